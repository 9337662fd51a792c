"""Reading images, label maps and instance maps, with errors that name the file.

Every reader decodes the whole file at once (``Image.load``), so a truncated or corrupt file fails
here, with its path, rather than later inside a DataLoader worker. Nothing here unpickles anything:
PIL reads pixels, numpy holds them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from gaugan.data.errors import DatasetError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
# Single-channel modes a class-id or instance-id map may be stored in ('P' gives the palette indices).
ID_MODES = ("L", "P", "I", "I;16", "I;16B", "I;16L", "I;16N")


def _reason(err: Exception, path: Path) -> str:
    """PIL's message without the path it repeats (ours already names the file)."""
    return str(err).replace(f" '{path}'", "").replace(str(path), "file") or type(err).__name__


def open_image(path: Path) -> Image.Image:
    """Open and fully decode an image file."""
    try:
        with Image.open(path) as image:
            image.load()
            # Detach from the file handle so no descriptor stays open in long-lived workers.
            return image.copy()
    except FileNotFoundError:
        raise DatasetError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise DatasetError(f"{path} is a folder, not an image file") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise DatasetError(f"cannot read {path}: {_reason(err, path)}") from None


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file header only (cheap; the pixels are not decoded)."""
    try:
        with Image.open(path) as image:
            return image.size
    except FileNotFoundError:
        raise DatasetError(f"file not found: {path}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise DatasetError(f"cannot read {path}: {_reason(err, path)}") from None


def read_rgb(path: Path) -> Image.Image:
    """A photo as an RGB PIL image (greyscale / palette / RGBA photos are converted)."""
    return open_image(path).convert("RGB")


def id_array(image: Image.Image, source: object, what: str = "label map") -> np.ndarray:
    """A single-channel PIL image -> (H, W) int64 array of its stored values."""
    if image.mode not in ID_MODES:
        hint = " (colour-coded? give a palette)" if image.mode in ("RGB", "RGBA") else ""
        raise DatasetError(f"{source}: a {what} must have one channel of integer ids, got PIL mode {image.mode!r}{hint}")
    return np.asarray(image).astype(np.int64)


def read_ids(path: Path, what: str = "label map") -> np.ndarray:
    """A class-id or instance-id PNG -> (H, W) int64 (palette images give their indices, as datasets store them)."""
    return id_array(open_image(path), path, what)


def read_colors(path: Path) -> np.ndarray:
    """A colour-coded label map -> (H, W, 3) uint8 (alpha dropped)."""
    return np.asarray(open_image(path).convert("RGB"), dtype=np.uint8)


def list_images(folder: Path, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> list[Path]:
    """Image files directly inside ``folder`` (sorted; hidden files skipped)."""
    if not folder.is_dir():
        raise DatasetError(f"folder not found: {folder}")
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
    )


def require_split_folder(path: Path, what: str, pattern: str) -> Path:
    """``path`` if it is a folder; otherwise an error that names it and the splits that do exist."""
    if path.is_dir():
        return path
    root = path.parent
    found = sorted(p.name for p in root.glob(pattern) if p.is_dir()) if root.is_dir() else []
    hint = f" (found: {', '.join(found)})" if found else ""
    raise DatasetError(f"{what} folder not found: {path}{hint}")


def read_split_list(path: Path) -> set[str]:
    """Stems named in a split list (``images/NAME.jpg``, ``NAME.jpg`` or ``NAME`` a line; '#' comments)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetError(f"cannot read split list {path}: {err}") from None
    return {Path(line.split("#")[0].strip()).stem for line in lines if line.split("#")[0].strip()}
