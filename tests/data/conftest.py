"""Fixtures for the data tests: the real samples next to the repository, and tiny file writers."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def write_png(path: Path, array: np.ndarray) -> Path:
    """Save ``array`` losslessly: (H, W) uint8 -> L, uint16 -> 16-bit, (H, W, 3|4) -> RGB(A)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def write_photo(path: Path, h: int = 32, w: int = 48, value: int | tuple = 100) -> Path:
    """A flat-colour photo (jpg or png by suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((h, w, 3), value, np.uint8)).save(path)
    return path


def write_palette_png(path: Path, indices: np.ndarray, palette: list[tuple[int, int, int]]) -> Path:
    """A 'P' mode PNG (indices + colour table), the way CMP Facades stores its labels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.frombytes("P", (indices.shape[1], indices.shape[0]), indices.astype(np.uint8).tobytes())
    flat = [c for rgb in palette for c in rgb]
    image.putpalette(flat + [0] * (768 - len(flat)))
    image.save(path)
    return path


@pytest.fixture
def files():
    """The writers above, for tests that build fixtures in a dataset's real layout under tmp_path."""

    class Files:
        png = staticmethod(write_png)
        photo = staticmethod(write_photo)
        palette_png = staticmethod(write_palette_png)

    return Files
