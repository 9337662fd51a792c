"""The CLADE generator: the SPADE decoder with class-adaptive normalisation (`gaugan.nn.clade`).

Same skeleton, widths and upsampling as `SPADEGenerator`; each SPADE is a CLADE layer, which
needs a per-pixel class id instead of the one-hot map. That conversion (and the ICPE map, whose
connected-component search is the expensive part) is done once per forward at full resolution
rather than in every layer, which is why `forward` is CLADE's own.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.models.config import CLADEGeneratorConfig
from gaugan.models.generator import DecoderGenerator
from gaugan.nn.blocks import LRELU_SLOPE
from gaugan.nn.clade import ClassLabels, CLADEResnetBlock


class CLADEGenerator(DecoderGenerator):
    """CLADE generator: (N, C_sem, H, W) semantic input [+ z] -> (N, 3, H, W) in [-1, 1]."""

    config: CLADEGeneratorConfig

    def __init__(self, config: CLADEGeneratorConfig) -> None:
        super().__init__(config)

    def make_block(self, fin: int, fout: int) -> nn.Module:
        c = self.config
        return CLADEResnetBlock(fin, fout, c.num_classes, c.norm, c.edge_channel, c.positional_encoding, c.spectral_norm)

    def forward(
        self,
        segmap: torch.Tensor,
        z: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Generate images; arguments and result as `DecoderGenerator.forward`."""
        config = self.config
        if segmap.dim() != 4 or segmap.size(1) != config.semantic_channels:
            raise ValueError(
                f"expected a semantic input of shape (N, {config.semantic_channels}, H, W), got {tuple(segmap.shape)}"
            )
        labels = ClassLabels.from_semantics(segmap, config.edge_channel, config.positional_encoding)
        sh, sw = self.latent_size_for(segmap)
        if config.use_vae:
            if z is None:
                z = torch.randn(segmap.size(0), config.z_dim, generator=generator, device=segmap.device, dtype=segmap.dtype)
            if z.shape != (segmap.size(0), config.z_dim):
                raise ValueError(f"z must have shape ({segmap.size(0)}, {config.z_dim}), got {tuple(z.shape)}")
            x = self.fc(z).view(-1, 16 * config.ngf, sh, sw)
        else:
            if z is not None:
                raise ValueError("this generator takes no z: it was built with use_vae=False")
            x = self.fc(F.interpolate(segmap, size=(sh, sw), mode="nearest"))

        more = config.num_upsampling_layers in ("more", "most")
        schedule = [("head_0", False), ("G_middle_0", True), ("G_middle_1", more), ("up_0", True), ("up_1", True), ("up_2", True), ("up_3", True)]
        if config.num_upsampling_layers == "most":
            schedule.append(("up_4", True))
        for name, upsample in schedule:
            if upsample:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = getattr(self, name)(x, labels)
        x = self.conv_img(F.leaky_relu(x, LRELU_SLOPE))
        return torch.tanh(x)
