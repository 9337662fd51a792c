"""Seed diversity: how different the pictures of one layout are across style codes (encoder models).

A model whose style codes collapse paints every seed alike; the paper's multi-modal synthesis needs
them to differ. Reported as the mean absolute pixel difference between every two seeds' pictures of
the same layout, in 0..255 units (0 = identical; two unrelated photographs are ~50-70 apart).
"""

from __future__ import annotations

import itertools

import torch


def picture_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) pictures in [-1, 1] -> (N,) mean |a - b| in 0..255 units."""
    return (a.float() - b.float()).abs().flatten(1).mean(1) * 127.5


def mean_pairwise_distance(pictures: torch.Tensor) -> torch.Tensor:
    """(K, N, 3, H, W) pictures in [-1, 1], K >= 2 seeds of N layouts -> (N,) mean |a - b| over the
    K (K - 1) / 2 pairs of seeds, in 0..255 units."""
    if pictures.dim() != 5 or pictures.size(0) < 2:
        raise ValueError(f"expected (K >= 2, N, 3, H, W) pictures, got {tuple(pictures.shape)}")
    pairs = [picture_distance(pictures[a], pictures[b]) for a, b in itertools.combinations(range(pictures.size(0)), 2)]
    return torch.stack(pairs).mean(0)
