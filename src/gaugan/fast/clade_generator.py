"""`FastCLADEGenerator`: the trained CLADE generator's eval-mode function, computed faster.

What changes against `CLADEGenerator` (`clade.py` says why each is exact): spectral norm
divided into plain weights once; the eval-mode batch norm folded into each layer's per-class
tables, so a CLADE layer is one lookup and one multiply-add; the edge feature added by a
1-channel conv instead of concatenated; class ids (and edges, ICPE positions) resized once per
resolution by index; the start conv on the one-hot map as a table lookup; channels_last memory
format; optional bf16 autocast.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from gaugan.fast.clade import CLADELabels, FastCLADEResnetBlock
from gaugan.fast.generator import FastDecoderGenerator
from gaugan.label_codes import LabelCodes
from gaugan.models.clade_generator import CLADEGenerator


class FastCLADEGenerator(FastDecoderGenerator):
    """Inference-only CLADE generator; build it with `from_generator`.

    Args:
        generator: the trained `CLADEGenerator` (only read).
        num_onehot_channels: must be the generator's class count when given (its config fixes
            which channels are classes and which is the edge map).
        channels_last, precision: as for `FastSPADEGenerator`.
    """

    source_type = CLADEGenerator

    def __init__(
        self,
        generator: CLADEGenerator,
        num_onehot_channels: int | None = None,
        channels_last: bool = True,
        precision: str = "fp32",
    ) -> None:
        self.check_source(generator)
        classes = generator.config.num_classes
        if num_onehot_channels not in (None, classes):
            raise ValueError(f"this CLADE generator has {classes} class channels, not {num_onehot_channels}")
        super().__init__(generator, classes, channels_last, precision)

    def fast_block(self, block: nn.Module) -> nn.Module:
        return FastCLADEResnetBlock(block)

    def block_labels(self, ids: torch.Tensor, extras: torch.Tensor | None, pyramid: LabelCodes) -> CLADELabels:
        # An all-zero pixel (id K here) is class 0 for CLADE, the argmax of its zero channels.
        clade_ids = torch.where(ids == self.num_classes, 0, ids.long())
        edges = extras if self.config.edge_channel else None
        return CLADELabels(clade_ids, edges, self.config.positional_encoding)
