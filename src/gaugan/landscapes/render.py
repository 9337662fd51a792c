"""Paint a layout: per-scene light, textured materials, aerial haze, and water that mirrors its shore.

The dependencies a model should learn are built in:
- water shows, mirrored about its far shore, what stands above it (sky, ridges, trees), darker
  and rippled;
- snow on the ground makes trees frosted (conifers) or bare (broadleaf) and the light colder;
- each scene draws a light (noon, golden hour, dusk, overcast) that tints everything, which is
  what a style encoder can pick up;
- materials carry noise at several scales.
"""

from __future__ import annotations

import numpy as np

from gaugan.landscapes import classes as C
from gaugan.landscapes.layout import Layout
from gaugan.landscapes.noise import fbm

# name: (sky top, sky bottom, light tint, contrast)
LIGHTS = {
    "noon": ((70, 130, 215), (170, 205, 240), (1.0, 1.0, 0.98), 1.0),
    "golden": ((80, 110, 180), (250, 190, 120), (1.12, 0.95, 0.75), 1.05),
    "dusk": ((30, 35, 80), (200, 110, 120), (0.7, 0.6, 0.75), 0.9),
    "overcast": ((150, 155, 165), (195, 198, 200), (0.92, 0.95, 1.0), 0.7),
}

# Base colours (RGB) and texture strength of each material under white light.
MATERIALS = {
    C.CLOUDS: ((245, 245, 248), 0.06),
    C.MOUNTAIN: ((110, 115, 125), 0.18),
    C.HILL: ((70, 110, 60), 0.15),
    C.SNOW: ((240, 244, 250), 0.05),
    C.ROCK: ((95, 90, 85), 0.25),
    C.TREE: ((35, 80, 40), 0.25),
    C.BUSH: ((60, 100, 45), 0.25),
    C.GRASS: ((85, 150, 60), 0.18),
    C.DIRT: ((125, 95, 65), 0.2),
    C.SAND: ((215, 195, 150), 0.1),
    C.FLOWER: ((200, 120, 170), 0.35),
    C.SEA: ((30, 80, 130), 0.08),
    C.RIVER: ((50, 95, 120), 0.08),
    C.LAKE: ((40, 90, 110), 0.08),
}


def render(layout: Layout, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """(H, W, 3) uint8 image and the name of the light it was painted under."""
    labels = layout.labels
    h, w = labels.shape
    light_name = rng.choice(list(LIGHTS), p=[0.4, 0.25, 0.15, 0.2])
    sky_top, sky_bottom, tint, contrast = LIGHTS[light_name]
    tint = np.array(tint, np.float32)
    if layout.winter:
        tint = tint * np.array([0.93, 0.98, 1.08], np.float32)  # colder light over snow
    rows = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    horizon_frac = max(layout.horizon, 1) / h

    # Sky: vertical gradient down to the horizon.
    t = np.clip(rows / horizon_frac, 0, 1)
    image = (1 - t) * np.array(sky_top, np.float32) + t * np.array(sky_bottom, np.float32)
    image = np.broadcast_to(image, (h, w, 3)).copy()

    texture_fine = fbm((h, w), max(h / 24, 2), rng, 4)
    texture_coarse = fbm((h, w), h / 4, rng, 3)
    for label, (colour, strength) in MATERIALS.items():
        mask = labels == label
        if not mask.any() or label in C.WATER:
            continue
        base = np.array(colour, np.float32)
        if label == C.TREE:
            base = _tree_colour(layout, base)
        if label in (C.GRASS, C.HILL, C.BUSH):
            base = base * rng.uniform(0.85, 1.15, 3).astype(np.float32)  # per-scene vegetation hue
        shade = 1 + strength * (0.7 * texture_fine + 0.3 * texture_coarse)
        image[mask] = base * shade[mask][:, None]
        if label == C.TREE:
            image[mask] = _tree_detail(layout, image, mask, texture_fine)

    # Aerial perspective: far mountains fade towards the sky colour near their tops.
    far = np.isin(labels, (C.MOUNTAIN, C.SNOW, C.ROCK)) & (np.arange(h)[:, None] < layout.horizon)
    haze = np.clip(1 - (np.arange(h)[:, None] - layout.ridge[None]) / max(1, layout.horizon - layout.ridge.min()), 0, 1) * 0.45
    image[far] = image[far] * (1 - haze[far][:, None]) + np.array(sky_bottom, np.float32) * haze[far][:, None]
    # Snow caps: sun-facing slopes (by the ridge's slope) bright, the others bluish.
    slope = np.tanh(np.gradient(layout.ridge.astype(np.float32)))[None, :].repeat(h, 0)
    caps = (labels == C.SNOW) & (np.arange(h)[:, None] < layout.horizon)
    image[caps] = image[caps] * (1 + 0.08 * slope[caps][:, None] * np.array([1, 1, 0.9], np.float32))

    image = _reflect(image, layout, rng)
    image = image * tint
    mean = image.mean(axis=(0, 1), keepdims=True)
    image = mean + (image - mean) * contrast
    image += rng.normal(0, 2.0, image.shape)  # sensor grain
    return np.clip(image, 0, 255).astype(np.uint8), str(light_name)


def _tree_colour(layout: Layout, base: np.ndarray) -> np.ndarray:
    if layout.winter:
        return np.array([80, 70, 60], np.float32)  # bark of bare trees, frosted below
    return base


def _tree_detail(layout: Layout, image: np.ndarray, mask: np.ndarray, texture: np.ndarray) -> np.ndarray:
    colours = image[mask]
    kind = layout.tree_kind[mask]
    if layout.winter:
        # Frost: conifers carry snow on their branches, broadleaf trees are bare twigs over snow.
        frost = np.where(kind == 1, 0.55 + 0.25 * texture[mask], 0.25 + 0.5 * (texture[mask] > 0.1))
        return colours * (1 - frost[:, None]) + np.array([235, 240, 248], np.float32) * frost[:, None]
    broadleaf = kind == 2
    colours[broadleaf] = colours[broadleaf] * np.array([1.15, 1.2, 0.9], np.float32)
    return colours


def _reflect(image: np.ndarray, layout: Layout, rng: np.random.Generator) -> np.ndarray:
    """Water pixels show the scene mirrored about the water's far shore, rippled and darkened."""
    labels = layout.labels
    h, w = labels.shape
    water = np.isin(labels, C.WATER)
    if not water.any():
        return image
    ys, xs = np.nonzero(water)
    mirror_line = layout.water_top[xs]
    source_y = np.clip(2 * mirror_line - ys - 1, 0, h - 1)
    ripple = np.sin(ys * rng.uniform(0.6, 1.4) + rng.uniform(0, 6.28)) * (1 + (ys - mirror_line) * 0.05)
    source_x = np.clip(np.round(xs + ripple * rng.uniform(0.5, 1.5)), 0, w - 1).astype(int)
    reflected = image[source_y, source_x]
    base = np.array([MATERIALS[int(c)][0] for c in labels[ys, xs]], np.float32)
    strength = rng.uniform(0.55, 0.8)
    out = image.copy()
    out[ys, xs] = (strength * reflected * 0.8 + (1 - strength) * base)
    return out
