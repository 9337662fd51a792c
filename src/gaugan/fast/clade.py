"""CLADE and its residual block for inference, built from a trained `CLADEResnetBlock`.

Each layer is its fold (`CLADE.fold`: one row lookup of per-class tables and one ``addcmul``
instead of the norm, two lookups and three elementwise passes). The instance-edge feature that
the reference concatenates to CLADE's output (a 1x1 conv of the edge map, ``u * e + v``) is
written with the modulated features into one preallocated (N, C + 1, H, W) tensor, instead of
concatenated (a copy of the whole feature map per layer).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.fast.blocks import FastResnetBlock
from gaugan.label_codes import resize_nearest
from gaugan.nn.clade import CLADE, CLADEResnetBlock, intra_class_positions
from gaugan.nn.folding import plain_conv


class CLADELabels:
    """Class ids, edges and ICPE positions at every resolution a generator asks for (each once).

    Args:
        ids: (N, H, W) int64 class ids in 0..K-1 (CLADE's argmax convention).
        edges: (N, 1, H, W) float instance-edge map, or None.
        positional_encoding: also compute the ICPE map (from the full-resolution ids).
    """

    def __init__(self, ids: torch.Tensor, edges: torch.Tensor | None, positional_encoding: bool) -> None:
        self.full_size = tuple(ids.shape[-2:])
        positions = intra_class_positions(ids) if positional_encoding else None
        self._full = (ids, edges, positions)
        self._levels: dict[tuple[int, int], CLADELevel] = {}

    def at(self, size: tuple[int, int]) -> "CLADELevel":
        size = (int(size[0]), int(size[1]))
        if size not in self._levels:
            ids, edges, positions = (None if t is None else resize_nearest(t, size) for t in self._full)
            self._levels[size] = CLADELevel(ids, edges, positions)
        return self._levels[size]


class CLADELevel:
    """ids (N, H, W), edges (N, 1, H, W) | None, positions (N, 2, H, W) | None at one resolution."""

    def __init__(self, ids: torch.Tensor, edges: torch.Tensor | None, positions: torch.Tensor | None) -> None:
        self.ids = ids
        self.edges = edges
        self.positions = positions


class FastCLADE(nn.Module):
    """``CLADE(x)``: (N, C, H, W) + `CLADELevel` -> (N, C [+ 1 edge feature], H, W), channels_last."""

    def __init__(self, clade: CLADE) -> None:
        super().__init__()
        folded = clade.fold()
        self.norm = folded.norm
        self.channels = clade.gamma.size(1)
        self.positional_encoding = clade.positional_encoding
        self.register_buffer("table", folded.table)
        if self.positional_encoding:
            self.position_gamma, self.position_beta = folded.position_gamma, folded.position_beta
        self.edge_scale, self.edge_shift = folded.edge_scale, folded.edge_shift

    def forward(self, x: torch.Tensor, level: CLADELevel) -> torch.Tensor:
        """x: (N, C, H, W) at the level's size."""
        c = self.channels
        if self.norm is not None:
            x = self.norm(x)
        table = self.table if self.table.dtype == x.dtype else self.table.to(x.dtype)  # bf16 under autocast
        rows = F.embedding(level.ids, table).permute(0, 3, 1, 2)  # (N, 2C or 3C, H, W), channels_last strides
        scale, shift = rows[:, :c], rows[:, c : 2 * c]
        n, _, h, w = x.shape
        out = torch.empty(n, c + int(self.edge_scale is not None), h, w, dtype=x.dtype, device=x.device, memory_format=torch.channels_last)
        modulated = torch.addcmul(shift, x, scale, out=out[:, :c])
        if self.positional_encoding:
            if level.positions is None:
                raise ValueError("this CLADE layer uses positional encoding: the label input has no positions")
            positions = level.positions.to(x.dtype)
            modulated.mul_(1 + self.position_gamma(positions)).add_(rows[:, 2 * c :] * (1 + self.position_beta(positions)))
        if self.edge_scale is not None:
            if level.edges is None:
                raise ValueError("this CLADE layer uses an instance-edge channel: the label input has no edges")
            out[:, c:] = level.edges * self.edge_scale + self.edge_shift
        return out


class FastCLADEResnetBlock(FastResnetBlock):
    """Same function as ``block`` in eval mode: (N, fin, H, W) + `CLADELevel` -> (N, fout, H, W)."""

    def __init__(self, block: CLADEResnetBlock) -> None:
        super().__init__()
        self.learned_shortcut = block.learned_shortcut
        self.norm_0 = FastCLADE(block.norm_0)
        self.norm_1 = FastCLADE(block.norm_1)
        self.conv_0 = plain_conv(block.conv_0)
        self.conv_1 = plain_conv(block.conv_1)
        if self.learned_shortcut:
            self.norm_s = FastCLADE(block.norm_s)
            self.conv_s = plain_conv(block.conv_s)
