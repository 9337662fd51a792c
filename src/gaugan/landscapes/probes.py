"""Measurements of what a landscape model learned (issue #5's "must show"), on any images.

* The grass -> snow swap: paint the same layout with grass, then with snow; do the trees change
  beyond their seed-to-seed spread? (In the rendered data snow frosts trees and cools the light.)
* Reflections: does the water region correlate with the mirror image of what stands above its
  shore, more than with an unrelated region of the same shape?

Both take plain arrays, so they measure rendered pictures and generated ones alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaugan.landscapes import classes as C


def water_top(labels: np.ndarray) -> np.ndarray:
    """(W,) row of the first water pixel in each column of an (H, W) label map (H where none)."""
    water = np.isin(labels, C.WATER)
    return np.where(water.any(0), water.argmax(0), labels.shape[0])


def reflection_correlations(grey: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """(mirrored, unrelated) Pearson correlations for one (H, W) grey picture and its label map.

    mirrored: water pixels against the pixels mirrored about the water's top edge (column-wise);
    unrelated: the same water pixels against a region shifted up/down and with columns shuffled.
    """
    water = np.isin(labels, C.WATER)
    ys, xs = np.nonzero(water)
    top = water_top(labels)
    height = grey.shape[0]
    source = np.clip(2 * top[xs] - ys - 1, 0, height - 1)
    values = grey[ys, xs].astype(np.float64)
    mirrored = np.corrcoef(values, grey[source, xs])[0, 1]
    shifted = np.clip(source + rng.integers(-height // 4, height // 4), 0, height - 1)
    unrelated = np.corrcoef(values, grey[shifted, rng.permutation(xs)])[0, 1]
    return float(np.nan_to_num(mirrored)), float(np.nan_to_num(unrelated))


def has_reflection_scene(labels: np.ndarray, min_water: int) -> bool:
    """Enough water, below something other than water (a shore to mirror)."""
    water = np.isin(labels, C.WATER)
    return int(water.sum()) >= min_water and bool((water_top(labels) > 0).any())


@dataclass
class TreeLook:
    """Appearance of a picture's tree pixels: mean RGB (0-255) and luminance std (texture)."""

    mean_rgb: np.ndarray
    texture: float

    @property
    def brightness(self) -> float:
        return float(self.mean_rgb @ np.array([0.299, 0.587, 0.114]))

    @classmethod
    def of(cls, image: np.ndarray, labels: np.ndarray) -> "TreeLook":
        """``image`` (H, W, 3) uint8 and its (H, W) label map."""
        pixels = image[labels == C.TREE].astype(np.float64)
        luminance = pixels @ np.array([0.299, 0.587, 0.114])
        return cls(pixels.mean(0), float(luminance.std()))


def swap_class(labels: np.ndarray, source: int, target: int) -> np.ndarray:
    """A copy of ``labels`` with every ``source`` pixel painted ``target``."""
    swapped = labels.copy()
    swapped[labels == source] = target
    return swapped


@dataclass
class SwapEffect:
    """How much a swap moves a statistic, against how much seeds move it (both averaged over layouts)."""

    name: str
    change: float  # mean over layouts of |mean over seeds (swapped) - mean over seeds (original)|
    seed_spread: float  # mean over layouts of the seed-to-seed std (pooled over both paintings)

    @property
    def ratio(self) -> float:
        return self.change / max(self.seed_spread, 1e-9)


def swap_effects(looks: list[tuple[list[TreeLook], list[TreeLook]]]) -> list[SwapEffect]:
    """``looks``: per layout, (tree looks over seeds with grass, the same seeds with snow)."""
    statistics = {
        "tree brightness": lambda look: look.brightness,
        "tree blue - red": lambda look: float(look.mean_rgb[2] - look.mean_rgb[0]),
        "tree texture (lum. std)": lambda look: look.texture,
    }
    effects = []
    for name, statistic in statistics.items():
        changes, spreads = [], []
        for grass, snow in looks:
            a = np.array([statistic(look) for look in grass])
            b = np.array([statistic(look) for look in snow])
            changes.append(abs(b.mean() - a.mean()))
            spreads.append(np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))
        effects.append(SwapEffect(name, float(np.mean(changes)), float(np.mean(spreads))))
    return effects
