"""Sample grids (label colours | generated | real) for TensorBoard and the per-checkpoint HTML page."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gaugan.data.labelsets import colorize
from gaugan.labels import LabelSet


def colorize_ids(label_ids: torch.Tensor, labels: LabelSet) -> torch.Tensor:
    """(N, H, W) internal ids -> (N, 3, H, W) float RGB in [-1, 1] using the label set's palette."""
    rgb = torch.from_numpy(colorize(label_ids, labels)).float()  # (N, H, W, 3)
    return rgb.permute(0, 3, 1, 2) / 127.5 - 1


def sample_grid(label_ids: torch.Tensor, fake: torch.Tensor, real: torch.Tensor, labels: LabelSet) -> torch.Tensor:
    """(3, N*H, 3*W) image in [0, 1]: one row per sample, columns label | generated | real."""
    colours = colorize_ids(label_ids.cpu(), labels)
    rows = torch.cat([colours, fake.detach().float().cpu(), real.detach().float().cpu()], dim=3)  # (N, 3, H, 3W)
    grid = torch.cat(list(rows), dim=1)  # (3, N*H, 3W)
    return ((grid.clamp(-1, 1) + 1) / 2)


def save_grid_png(grid: torch.Tensor, path: Path) -> None:
    array = (grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def write_samples_page(samples_dir: Path, title: str) -> Path:
    """(Re)write samples_dir/index.html listing every step_*.png, newest first."""
    images = sorted(samples_dir.glob("step_*.png"), reverse=True)
    items = "\n".join(
        f'<figure><figcaption>{html.escape(p.stem)}</figcaption><img src="{html.escape(p.name)}" loading="lazy"></figure>'
        for p in images
    )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;background:#111;color:#eee}} img{{image-rendering:pixelated;max-width:100%}}
figure{{margin:1em 0}} figcaption{{margin-bottom:.3em}}</style></head>
<body><h1>{html.escape(title)}</h1><p>Columns: label map | generated | real.</p>
{items}
</body></html>
"""
    path = samples_dir / "index.html"
    path.write_text(page)
    return path
