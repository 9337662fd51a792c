"""The CLADE generator: the SPADE decoder with class-adaptive normalisation (`gaugan.nn.clade`).

Same skeleton, widths and upsampling as `SPADEGenerator`; each SPADE is a CLADE layer, which
needs a per-pixel class id instead of the one-hot map. That conversion (and the ICPE map, whose
connected-component search is the expensive part) is done once per forward at full resolution
rather than in every layer, through the decoder's `condition` hook.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from gaugan.models.config import CLADEGeneratorConfig
from gaugan.models.generator import DecoderGenerator
from gaugan.nn.clade import ClassLabels, CLADEResnetBlock


class CLADEGenerator(DecoderGenerator):
    """CLADE generator: (N, C_sem, H, W) semantic input [+ z] -> (N, 3, H, W) in [-1, 1]."""

    config: CLADEGeneratorConfig

    def __init__(self, config: CLADEGeneratorConfig) -> None:
        super().__init__(config)

    def make_block(self, fin: int, fout: int) -> nn.Module:
        c = self.config
        return CLADEResnetBlock(fin, fout, c.num_classes, c.norm, c.edge_channel, c.positional_encoding, c.spectral_norm)

    def condition(self, segmap: torch.Tensor) -> ClassLabels:
        return ClassLabels.from_semantics(segmap, self.config.edge_channel, self.config.positional_encoding)
