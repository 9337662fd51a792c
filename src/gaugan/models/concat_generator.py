"""Ablation: the SPADE decoder with the label map concatenated to every conv input instead."""

from __future__ import annotations

import torch.nn as nn

from gaugan.models.config import ConcatGeneratorConfig
from gaugan.models.generator import DecoderGenerator
from gaugan.nn.blocks import ConcatResnetBlock


class ConcatGenerator(DecoderGenerator):
    """Same decoder as `SPADEGenerator`; blocks are `ConcatResnetBlock`. (N, C, H, W) -> (N, 3, H, W)."""

    def __init__(self, config: ConcatGeneratorConfig) -> None:
        super().__init__(config)

    def make_block(self, fin: int, fout: int) -> nn.Module:
        return ConcatResnetBlock(fin, fout, self.config.semantic_channels, self.config.spectral_norm)
