"""Scene layouts a person would paint: sky, clouds, ridges with snow caps, hills, a horizon, sea with a
beach, a lake or a river, meadows, dirt paths and clusters of trees and bushes.

`make_layout` draws one scene from a random generator and returns the label map (COCO-Stuff ids)
plus what the renderer needs to know about it (where the water's far shore is, the season).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaugan.landscapes import classes as C
from gaugan.landscapes.noise import fbm, fbm_1d


@dataclass
class Layout:
    labels: np.ndarray  # (H, W) uint8 COCO-Stuff label values
    horizon: int  # row of the horizon
    water_top: np.ndarray  # (W,) first water row per column (H where there is none): the mirror line
    winter: bool  # snow on the ground: bare or frosted trees, colder light
    ridge: np.ndarray  # (W,) top row of the mountains
    tree_kind: np.ndarray  # (H, W) int8: 0 none, 1 conifer, 2 broadleaf


def _ellipse(h: int, w: int, cy: float, cx: float, ry: float, rx: float) -> np.ndarray:
    y, x = np.ogrid[:h, :w]
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1


def make_layout(size: int, rng: np.random.Generator) -> Layout:
    h = w = size
    labels = np.full((h, w), C.SKY, np.uint8)
    rows = np.arange(h)[:, None]
    horizon = int(h * rng.uniform(0.42, 0.62))
    winter = rng.random() < 0.3

    # Clouds: thresholded fractal noise, denser near the horizon's haze band.
    cloud_cover = rng.uniform(-0.1, 0.45)
    clouds = fbm((h, w), size / 3, rng, 4) + cloud_cover - 0.35 > 0.05
    labels[clouds & (rows < horizon)] = C.CLOUDS

    # Mountains (far ridge) and hills (near ridge) above the horizon.
    ridge = np.full(w, horizon, np.int32)
    if rng.random() < 0.8:
        height = rng.uniform(0.12, 0.38) * h
        profile = fbm_1d(w, size / rng.uniform(1.5, 3.5), rng)
        ridge = (horizon - height * (0.55 + 0.45 * profile)).astype(np.int32).clip(2, horizon)
        mountain = rows >= ridge[None]
        labels[mountain & (rows < horizon)] = C.MOUNTAIN
        # Snow caps above a noisy snow line; more of them in winter.
        snow_line = ridge + (horizon - ridge) * rng.uniform(0.25, 0.6 if not winter else 0.95)
        snow_line = snow_line + 0.06 * h * fbm_1d(w, size / 8, rng)
        caps = mountain & (rows < snow_line[None]) & (rows < horizon)
        if rng.random() < (0.9 if winter else 0.6):
            labels[caps] = C.SNOW
        rock = mountain & ~caps & (rows < horizon) & (fbm((h, w), size / 10, rng, 3) > 0.35)
        labels[rock] = C.ROCK
    if rng.random() < 0.5:
        hill_height = rng.uniform(0.04, 0.12) * h
        hill_top = (horizon - hill_height * (0.6 + 0.4 * fbm_1d(w, size / 2, rng))).astype(np.int32)
        labels[(rows >= hill_top[None]) & (rows < horizon)] = C.SNOW if winter else C.HILL
        ridge = np.minimum(ridge, hill_top)

    # Ground below the horizon.
    ground = C.SNOW if winter else C.GRASS
    labels[horizon:] = ground
    below = rows >= horizon
    if not winter:
        dirt = below & (fbm((h, w), size / 6, rng, 3) > 0.45)
        labels[dirt] = C.DIRT
        if rng.random() < 0.3:
            labels[below & (fbm((h, w), size / 12, rng, 2) > 0.55) & (labels == C.GRASS)] = C.FLOWER

    water_top = np.full(w, h, np.int32)
    kind = rng.choice(["sea", "lake", "river", "none"], p=[0.3, 0.3, 0.2, 0.2])
    if kind == "sea":
        depth = rng.uniform(0.15, 0.6) * (h - horizon)
        shore = (horizon + depth * (0.7 + 0.3 * fbm_1d(w, size / 2, rng))).astype(np.int32)
        sea = below & (rows < shore[None])
        beach = below & ~sea & (rows < (shore + rng.uniform(0.03, 0.1) * h)[None])
        labels[beach] = C.SNOW if winter else C.SAND
        labels[sea] = C.SEA
        water_top = np.where(sea.any(0), horizon, h).astype(np.int32)
    elif kind == "lake":
        cy = rng.uniform(horizon + 0.1 * (h - horizon), h - 0.15 * (h - horizon))
        rx = rng.uniform(0.15, 0.45) * w
        ry = rng.uniform(0.06, 0.18) * h * (0.5 + (cy - horizon) / (h - horizon))
        lake = _ellipse(h, w, cy, rng.uniform(0.2, 0.8) * w, ry, rx)
        lake &= fbm((h, w), size / 5, rng, 3) > -0.6  # ragged shore
        lake &= below
        rim = _dilate_mask(lake, max(1, size // 96)) & ~lake & below
        labels[rim] = C.SNOW if winter else C.SAND
        labels[lake] = C.LAKE
        water_top = np.where(lake.any(0), lake.argmax(0), h).astype(np.int32)
    elif kind == "river":
        t = np.linspace(0, 1, h - horizon)
        centre = w * (rng.uniform(0.3, 0.7) + 0.25 * fbm_1d(h - horizon, size / 2, rng)[: len(t)] * t)
        half = 1 + t * rng.uniform(0.06, 0.2) * w  # wider nearer the viewer
        x = np.arange(w)[None]
        river = np.abs(x - centre[:, None]) < half[:, None]
        labels[horizon:][river] = C.RIVER
        mask = np.zeros((h, w), bool)
        mask[horizon:] = river
        water_top = np.where(mask.any(0), mask.argmax(0), h).astype(np.int32)

    # Trees and bushes in clusters on land, larger nearer the viewer.
    tree_kind = np.zeros((h, w), np.int8)
    conifer_share = 0.8 if winter else rng.uniform(0.2, 0.8)
    land = np.isin(labels, (C.GRASS, C.DIRT, C.HILL, C.SNOW, C.FLOWER)) & (rows >= horizon - 0.1 * h)
    for _ in range(rng.integers(0, 6)):
        ys, xs = np.nonzero(land)
        if len(ys) == 0:
            break
        pick = rng.integers(len(ys))
        cy, cx = ys[pick], xs[pick]
        scale = 0.25 + 1.5 * max(0.0, (cy - horizon + 0.1 * h) / h)
        for _ in range(rng.integers(2, 9)):
            ty = int(cy + rng.normal(0, 0.02 * h))
            tx = int(cx + rng.normal(0, 0.06 * w * scale))
            if not (0 <= ty < h and 0 <= tx < w) or not land[ty, tx]:
                continue
            th = rng.uniform(0.06, 0.16) * h * scale
            tw = th * rng.uniform(0.35, 0.6)
            conifer = rng.random() < conifer_share
            if conifer:  # a triangle standing on (ty, tx)
                y, x = np.ogrid[:h, :w]
                crown = (y <= ty) & (y >= ty - th) & (np.abs(x - tx) <= (y - (ty - th)) / th * tw / 2)
            else:  # a round crown above a short trunk
                crown = _ellipse(h, w, ty - th * 0.55, tx, th * 0.45, tw * 0.6)
                crown |= (np.abs(np.arange(w)[None] - tx) <= max(1, tw * 0.08)) & (rows <= ty) & (rows >= ty - th * 0.2)
            labels[crown] = C.TREE
            tree_kind[crown] = 1 if conifer else 2
        for _ in range(rng.integers(0, 4)):
            by = int(cy + rng.normal(0, 0.03 * h))
            bx = int(cx + rng.normal(0, 0.08 * w * scale))
            if 0 <= by < h and 0 <= bx < w and land[by, bx]:
                bush = _ellipse(h, w, by - 0.015 * h * scale, bx, 0.02 * h * scale + 1, 0.04 * w * scale + 1)
                bush &= labels != C.TREE
                labels[bush] = C.BUSH
    return Layout(labels, horizon, water_top, winter, ridge, tree_kind)


def _dilate_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    out = mask.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            out |= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out
