"""Nearest-neighbour resizing of label maps as index gathers, bit-identical to PyTorch's.

The reference SPADE resizes the full (N, C, H, W) one-hot map with
``F.interpolate(mode="nearest", size=...)`` in every layer. Nearest resizing only copies pixels,
so resizing the (N, H, W) class-index map with the same source rows and columns gives exactly
the argmax of the resized one-hot map, at 1/C of the cost. The source index rule is ATen's
``nearest_idx`` (mode "nearest", an output size and no scale factor):

    out == in      -> i
    out == 2 * in  -> i >> 1
    otherwise      -> min(floor(float32(i) * float32(in / out)), in - 1), in float32 arithmetic

The float32 product matters: computed in float64, non-power-of-2 ratios such as 26 -> 22 or 2 -> 82
pick a different source pixel for some i. ``tests/label_codes/test_nearest.py`` checks the rule against
``F.interpolate`` over a grid of up- and down-scaling sizes.
"""

from __future__ import annotations

import torch


def nearest_source_indices(in_size: int, out_size: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(out_size,) int64: the input index each output index copies under mode="nearest"."""
    if in_size < 1 or out_size < 1:
        raise ValueError(f"sizes must be positive, got {in_size} -> {out_size}")
    index = torch.arange(out_size, device=device)
    if out_size == in_size:
        return index
    if out_size == 2 * in_size:
        return index >> 1
    scale = torch.as_tensor(in_size, dtype=torch.float32, device=device) / out_size  # in_size: traced under export
    return (index.to(torch.float32) * scale).floor_().to(torch.int64).clamp_(max=in_size - 1)


def resize_nearest(maps: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize the last two dims of (..., H, W) ``maps`` of any dtype to ``size`` like mode="nearest"."""
    h, w = maps.shape[-2:]
    if (h, w) == tuple(size):
        return maps
    rows = nearest_source_indices(h, size[0], maps.device)
    cols = nearest_source_indices(w, size[1], maps.device)
    return maps.index_select(-2, rows).index_select(-1, cols)
