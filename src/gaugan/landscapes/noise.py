"""Fractal value noise (numpy + PIL resampling): fast textures and outlines with detail at several scales."""

from __future__ import annotations

import numpy as np
from PIL import Image


def value_noise(shape: tuple[int, int], cell: float, rng: np.random.Generator) -> np.ndarray:
    """(H, W) smooth noise in about [-1, 1] with features ~``cell`` pixels wide (bicubic-upsampled grid)."""
    h, w = shape
    gh, gw = max(2, int(np.ceil(h / cell)) + 1), max(2, int(np.ceil(w / cell)) + 1)
    grid = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
    big = Image.fromarray(grid, mode="F").resize((int(gw * cell), int(gh * cell)), Image.BICUBIC)
    return np.asarray(big, dtype=np.float32)[:h, :w]


def fbm(shape: tuple[int, int], cell: float, rng: np.random.Generator, octaves: int = 4, gain: float = 0.5) -> np.ndarray:
    """Sum of value noise at halving scales, normalised to about [-1, 1]."""
    total = np.zeros(shape, np.float32)
    amplitude, norm = 1.0, 0.0
    for _ in range(octaves):
        total += amplitude * value_noise(shape, max(cell, 1.5), rng)
        norm += amplitude
        amplitude *= gain
        cell /= 2
    return total / norm


def fbm_1d(width: int, cell: float, rng: np.random.Generator, octaves: int = 5, gain: float = 0.55) -> np.ndarray:
    """(W,) fractal profile (ridge lines, shores)."""
    return fbm((2, width), cell, rng, octaves, gain)[0]
