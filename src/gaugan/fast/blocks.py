"""The residual block for inference: its wiring, and the SPADE block built from a trained `SPADEResnetBlock`."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.fast.modulation import FastSPADE
from gaugan.nn.blocks import LRELU_SLOPE, SPADEResnetBlock
from gaugan.nn.folding import plain_conv


class FastResnetBlock(nn.Module):
    """[norm, LReLU, conv] x 2 plus the identity or [norm_s, conv_s]: (N, fin, H, W) + labels -> (N, fout, H, W).

    Subclasses set ``learned_shortcut``, ``norm_0``, ``norm_1``, ``conv_0``, ``conv_1`` (and
    ``norm_s``, ``conv_s``); each norm takes (x, labels at x's resolution).
    """

    def forward(self, x: torch.Tensor, level) -> torch.Tensor:
        shortcut = self.conv_s(self.norm_s(x, level)) if self.learned_shortcut else x
        # In-place activations: each input is a fresh tensor that nothing else reads.
        dx = self.conv_0(F.leaky_relu_(self.norm_0(x, level), LRELU_SLOPE))
        dx = self.conv_1(F.leaky_relu_(self.norm_1(dx, level), LRELU_SLOPE))
        return dx.add_(shortcut)


class FastSPADEResnetBlock(FastResnetBlock):
    """Same function as ``block`` in eval mode: (N, fin, H, W) + `CodeLevel` at (H, W) -> (N, fout, H, W)."""

    def __init__(self, block: SPADEResnetBlock, num_classes: int, interior_lookup: bool = True) -> None:
        super().__init__()
        self.learned_shortcut = block.learned_shortcut
        self.norm_0 = FastSPADE(block.norm_0.fold(), num_classes, interior_lookup)
        self.norm_1 = FastSPADE(block.norm_1.fold(), num_classes, interior_lookup)
        self.conv_0 = plain_conv(block.conv_0)
        self.conv_1 = plain_conv(block.conv_1)
        if self.learned_shortcut:
            self.norm_s = FastSPADE(block.norm_s.fold(), num_classes, interior_lookup)
            self.conv_s = plain_conv(block.conv_s)
