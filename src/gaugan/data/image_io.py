"""Reading images, label maps and instance maps with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from gaugan.data.errors import DatasetError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def open_image(path: Path) -> Image.Image:
    """Open and fully decode an image (a truncated file fails here, not later in a worker)."""
    try:
        image = Image.open(path)
        image.load()
    except FileNotFoundError:
        raise DatasetError(f"file not found: {path}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise DatasetError(f"cannot read {path}: {err}") from None
    return image


def read_rgb(path: Path) -> Image.Image:
    return open_image(path).convert("RGB")


def read_label_ids(path: Path) -> np.ndarray:
    """A class-id PNG -> (H, W) int64. Palette ('P') images give their indices, as datasets store them."""
    image = open_image(path)
    if image.mode in ("RGB", "RGBA"):
        raise DatasetError(f"{path} is an RGB image; a class-id label map has one channel (use a palette for colour-coded labels)")
    if image.mode not in ("L", "P", "I", "I;16", "I;16B", "I;16L"):
        raise DatasetError(f"{path}: unsupported label image mode {image.mode!r}")
    return np.asarray(image, dtype=np.int64).copy()


def read_label_colors(path: Path) -> np.ndarray:
    """A colour-coded label map -> (H, W, 3) uint8 (alpha dropped)."""
    return np.asarray(open_image(path).convert("RGB"), dtype=np.uint8)


def list_images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DatasetError(f"folder not found: {folder}")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
