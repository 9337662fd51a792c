"""The SPADE generator: a decoder of SPADE residual blocks that upsamples a small start map.

The start map is either the label map downsampled to the latent size and passed through a 3x3
conv, or (with the image encoder) a linear projection of a style code z. Every block receives the
full label map and resizes it to its own resolution inside SPADE.

Block widths for ngf=64: head_0, G_middle_0, G_middle_1: 1024; up_0 512; up_1 256; up_2 128;
up_3 64; ("most": up_4 32); then LReLU, conv3x3 -> RGB, tanh.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.models.config import SPADEGeneratorConfig
from gaugan.nn.blocks import LRELU_SLOPE, SPADEResnetBlock
from gaugan.nn.init import init_glorot
from gaugan.nn.memory_layout import lay_out_convs, module_layout, to_layout
from gaugan.nn.style_tone import StyleTone
from gaugan.label_codes import LabelCodes, resize_nearest

BlockFactory = Callable[[int, int], nn.Module]

# The 16 nf-channel blocks at the start map's size and its first doublings (8 x 8 and 16 x 16 for a
# 256 x 256 map): their convs hold far more weight than activation (1024 x 1024 x 3 x 3 on 16 x 16 at
# ngf 64), and oneDNN runs such convs slower channels-last (`DecoderGenerator.to_channels_last`).
HEAD_BLOCKS = ("head_0", "G_middle_0", "G_middle_1")


def block_schedule(config: SPADEGeneratorConfig) -> list[tuple[str, bool]]:
    """(block name, upsample x2 before it), in the decoder's order: head_0, G_middle_0 (after the
    first x2), G_middle_1 (after another x2 for "more"/"most"), up_0..up_3 [, up_4 for "most"]."""
    more = config.num_upsampling_layers in ("more", "most")
    schedule = [("head_0", False), ("G_middle_0", True), ("G_middle_1", more)]
    schedule += [(f"up_{i}", True) for i in range(4)]
    if config.num_upsampling_layers == "most":
        schedule.append(("up_4", True))
    return schedule


def latent_size(config: SPADEGeneratorConfig, label_size: tuple[int, int]) -> tuple[int, int]:
    """Start-map size: the config's for z input, else the label map's size / 2^upsamplings."""
    if config.use_vae:
        return config.latent_size
    factor = 2**config.upsamplings
    h, w = label_size
    if h % factor or w % factor:
        raise ValueError(
            f"label map size {h}x{w} must be divisible by {factor} "
            f"(num_upsampling_layers={config.num_upsampling_layers!r})"
        )
    return h // factor, w // factor


class DecoderGenerator(nn.Module):
    """The decoder skeleton shared by the SPADE generator and its "concat" ablation.

    Subclasses provide ``make_block(fin, fout)``: a module called as block(x, condition), where
    ``condition = self.condition(segmap)`` is computed once per forward (the label map itself by
    default; CLADE turns it into per-pixel class ids once instead of in every layer).
    """

    def __init__(self, config: SPADEGeneratorConfig) -> None:
        super().__init__()
        self.config = config
        nf = config.ngf
        sh, sw = config.latent_size
        if config.use_vae:
            self.fc = nn.Linear(config.z_dim, 16 * nf * sh * sw)
        else:
            self.fc = nn.Conv2d(config.semantic_channels, 16 * nf, 3, padding=1)
        self.head_0 = self.make_block(16 * nf, 16 * nf)
        self.G_middle_0 = self.make_block(16 * nf, 16 * nf)
        self.G_middle_1 = self.make_block(16 * nf, 16 * nf)
        self.up_0 = self.make_block(16 * nf, 8 * nf)
        self.up_1 = self.make_block(8 * nf, 4 * nf)
        self.up_2 = self.make_block(4 * nf, 2 * nf)
        self.up_3 = self.make_block(2 * nf, 1 * nf)
        final_nc = nf
        if config.num_upsampling_layers == "most":
            self.up_4 = self.make_block(1 * nf, nf // 2)
            final_nc = nf // 2
        self.conv_img = nn.Conv2d(final_nc, 3, 3, padding=1)
        init_glorot(self, config.init_gain)
        # Each block's memory layout, once `to_channels_last` has set them; empty: x passes as it comes.
        self.block_layouts: dict[str, torch.memory_format] = {}
        # After the Glorot draw: the tone starts as the identity.
        self.tone = StyleTone(config.z_dim) if config.style_tone else None

    def make_block(self, fin: int, fout: int) -> nn.Module:
        raise NotImplementedError

    def to_channels_last(self) -> DecoderGenerator:
        """Channels-last memory for the convs where it is faster, as `gaugan train` lays a model out on
        CPU (`gaugan.train.layout`): every module but the start conv and the `HEAD_BLOCKS`, which stay
        NCHW. From then on the forward hands each block its input in the block's layout, and the
        gradient back in the layout before it (`to_layout`). The coco-256 training step (2 threads,
        AMX Xeon, one process, 8 rounds interleaved): fp32 5.80 s NCHW, 5.42 all channels-last, 5.26
        with the head NCHW; bf16 2.87, 2.41, 2.27. In place; returns self."""
        lay_out_convs(self, torch.channels_last)
        for name in ("fc", *HEAD_BLOCKS):
            lay_out_convs(getattr(self, name), torch.contiguous_format)
        self.block_layouts = {name: module_layout(getattr(self, name)) for name, _ in block_schedule(self.config)}
        return self

    def condition(self, segmap: torch.Tensor) -> object:
        """What every block receives besides x; the (N, C, H, W) semantic input by default."""
        return segmap

    def latent_size_for(self, segmap: torch.Tensor) -> tuple[int, int]:
        """Start-map size for this label map (`latent_size`)."""
        return latent_size(self.config, tuple(segmap.shape[-2:]))

    def forward(
        self,
        segmap: torch.Tensor,
        z: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Generate images.

        Args:
            segmap: (N, semantic_channels, H, W) one-hot semantic input.
            z: (N, z_dim) style code; only with ``use_vae``. Drawn from N(0, I) when None.
            generator: RNG for that draw (for reproducible seeds).
        Returns:
            (N, 3, H_out, W_out) in [-1, 1]; H_out, W_out = H, W for label-map input, and the
            config's output size for z input.
        """
        config = self.config
        if segmap.dim() != 4 or segmap.size(1) != config.semantic_channels:
            raise ValueError(
                f"expected a semantic input of shape (N, {config.semantic_channels}, H, W), got {tuple(segmap.shape)}"
            )
        sh, sw = self.latent_size_for(segmap)
        if config.use_vae:
            if z is None:
                z = torch.randn(
                    segmap.size(0), config.z_dim, generator=generator, device=segmap.device, dtype=segmap.dtype
                )
            if z.shape != (segmap.size(0), config.z_dim):
                raise ValueError(f"z must have shape ({segmap.size(0)}, {config.z_dim}), got {tuple(z.shape)}")
            x = self.fc(z).view(-1, 16 * config.ngf, sh, sw)
        else:
            if z is not None:
                raise ValueError("this generator takes no z: it was built with use_vae=False")
            # Gathers of the sh x sw source pixels: F.interpolate first copies a channels-last map
            # (the one-hot input is one) whole into NCHW, 48 MB at COCO-Stuff's 184 x 256 x 256.
            x = self.fc(resize_nearest(segmap, (sh, sw)))

        condition = self.condition(segmap)
        for name, upsample in block_schedule(config):
            if upsample:
                x = _up(x)
            if name in self.block_layouts:
                x = to_layout(x, self.block_layouts[name])
            x = getattr(self, name)(x, condition)
        x = self.conv_img(F.leaky_relu(x, LRELU_SLOPE))
        if self.tone is not None:
            x = self.tone(x, z)
        return torch.tanh(x)


def _up(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


class SPADEGenerator(DecoderGenerator):
    """SPADE generator (paper Fig. 4): (N, C_sem, H, W) [+ z] -> (N, 3, H, W) in [-1, 1].

    Args:
        config: the architecture.
        label_lookup: compute SPADE's first conv from class ids resized once per resolution
            (`gaugan.nn.label_lookup`) when the semantic input is one-hot (+ a last extra channel):
            the same function and gradients with less work (benchmarks/README.md). Off by
            default for the module, so that it computes exactly what it always did (sums in
            another order differ in the last bits); `gaugan train` turns it on for CPU runs
            (`TrainConfig.label_lookup`). A soft label map always takes the conv path. Not part
            of the config: it changes how the function is computed, not which function.
    """

    def __init__(self, config: SPADEGeneratorConfig, label_lookup: bool = False) -> None:
        super().__init__(config)
        self.label_lookup = label_lookup

    def make_block(self, fin: int, fout: int) -> nn.Module:
        c = self.config
        return SPADEResnetBlock(
            fin, fout, c.semantic_channels, c.norm, c.spade_kernel_size, c.spade_hidden, c.spectral_norm
        )

    def condition(self, segmap: torch.Tensor) -> torch.Tensor | LabelCodes:
        if self.label_lookup:
            maps = LabelCodes.from_semantics(segmap)
            if maps is not None:
                return maps
        return segmap
