"""The OASIS discriminator: a U-Net that segments an image into its classes or "fake".

Schönfeld et al., "You Only Need Adversarial Supervision for Semantic Image Synthesis" (ICLR 2021)
replace the PatchGAN's one real/fake logit per patch with a semantic segmentation: per pixel, one
logit for each of the N classes of the label space plus one for "fake". The discriminator sees
the image only (no label map): the label map enters through the loss (`gaugan.losses.oasis`),
which asks for a real pixel's class on real images and for "fake" everywhere on generated ones.

Output channels, as in the official code (its N+1 target puts fake at index 0 and shifts every
class up by one):

    channel 0          fake
    channel 1 + k      class id k, for k = 0 .. num_classes - 1

``num_classes`` counts every id a label map may hold, the don't-care id included when the label
set has one (gaugan's don't-care id is ``LabelSet.num_classes``, the last one): the official code
also gives its don't-care id an output channel (ADE20K 151 = 150 + "other", Cityscapes 35,
COCO-Stuff 183 = 182 + unlabeled). That channel is never a target with non-zero weight: the loss
weighs don't-care pixels of real images 0, so it learns nothing and only sits in the softmax.

Architecture (official, 256x256, channels 3, 128, 128, 256, 256, 512, 512): an encoder of six
residual blocks, each halving the resolution (average pooling), to 4x4 x 512; a decoder of six
residual blocks, each doubling it (nearest), whose inputs after the first are the previous
block's output concatenated with the encoder feature of the same resolution (skip connection,
encoder feature first); a last decoder block to 64 channels and a 1x1 conv to num_classes + 1.
Every residual-block conv is spectrally normalised; the final 1x1 conv is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.nn.init import init_glorot
from gaugan.nn.spectral import spectral

LRELU_SLOPE = 0.2


@dataclass
class OASISDiscriminatorConfig:
    """The OASIS U-Net discriminator (paper Sec. 3.1, Fig. 3; official ``OASIS_Discriminator``).

    Attributes:
        num_classes: N, the ids a label map holds, don't-care included when the label set has one
            (``LabelSet.num_classes + LabelSet.dontcare``; the instance channel is not a class).
            The output has N + 1 channels: 0 = fake, 1 + k = class k. Official: ADE20K 151,
            Cityscapes 35, COCO-Stuff 183.
        channels: widths of the encoder, input first; the encoder's block i maps channels[i] to
            channels[i + 1] and the decoder mirrors it. The paper's: 3, 128, 128, 256, 256, 512, 512.
        num_res_blocks: residual blocks in the encoder (and in the decoder); the input's height
            and width must be multiples of 2**num_res_blocks. The official code uses 6 for all
            three datasets (256x256 ADE20K and COCO-Stuff, 256x512 Cityscapes: a 4x4 or 4x8
            bottleneck), and its channel list only works with 6; other values here take the
            first num_res_blocks + 1 entries of ``channels``.
        last_channels: width of the last decoder block, before the 1x1 output conv (64).
        spectral_norm: spectral norm on every residual-block conv (the official code's default;
            its ``--no_spectral_norm`` switch crashes, so every published model has it).
        init_gain: gain of the Glorot-normal initialisation (official 0.02).
    """

    model_type: ClassVar[str] = "oasis_discriminator"

    num_classes: int = 151
    channels: tuple[int, ...] = (3, 128, 128, 256, 256, 512, 512)
    num_res_blocks: int = 6
    last_channels: int = 64
    spectral_norm: bool = True
    init_gain: float = 0.02

    @classmethod
    def from_training(cls, train: Any, labels: Any) -> "OASISDiscriminatorConfig":
        # The paper's widths for ndf 64: 128, 128, 256, 256, 512, 512 (x ndf / 64).
        widths = (3,) + tuple(m * train.ndf for m in (2, 2, 4, 4, 8, 8, 8, 8))[: train.oasis_d_blocks]
        return cls(
            num_classes=labels.num_classes + int(labels.dontcare), channels=widths, num_res_blocks=train.oasis_d_blocks,
            last_channels=train.ndf, init_gain=train.init_gain,
        )

    def __post_init__(self) -> None:
        # JSON brings the channel list back as a list.
        self.channels = tuple(int(c) for c in self.channels)
        if self.num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {self.num_classes}")
        if self.num_res_blocks < 2:
            raise ValueError(f"num_res_blocks must be at least 2, got {self.num_res_blocks}")
        if len(self.channels) < self.num_res_blocks + 1:
            raise ValueError(
                f"{self.num_res_blocks} residual blocks need {self.num_res_blocks + 1} channel widths, "
                f"got {len(self.channels)}: {self.channels}"
            )
        if self.channels[0] != 3:
            raise ValueError(f"the discriminator reads RGB images: channels[0] must be 3, got {self.channels[0]}")

    @property
    def output_channels(self) -> int:
        """num_classes + 1: fake, then one channel per class."""
        return self.num_classes + 1

    @property
    def widths(self) -> tuple[int, ...]:
        """The channel widths actually used: input, then one per encoder block."""
        return self.channels[: self.num_res_blocks + 1]


class DiscriminatorResBlock(nn.Module):
    """OASIS's residual block: (N, fin, H, W) -> (N, fout, H/2, W/2) ("down") or (N, fout, 2H, 2W) ("up").

    Main path: [LReLU(0.2), conv3x3] x 2 (the first block of the encoder has no LReLU before its
    first conv: its input is the image); "down" average-pools the result, "up" upsamples (nearest)
    before the first conv. Shortcut: resampled input, through a 1x1 conv (with bias) when
    fin != fout. Unlike the SPADE blocks the middle width is fout.

    Args:
        fin, fout: input and output channels.
        resample: "down" or "up".
        first: the encoder's first block (no activation on the image).
        spectral_norm: on all three convs.
    """

    def __init__(self, fin: int, fout: int, resample: str, first: bool = False, spectral_norm: bool = True) -> None:
        super().__init__()
        if resample not in ("down", "up"):
            raise ValueError(f"resample must be 'down' or 'up', got {resample!r}")
        self.resample = resample
        self.first = first
        self.learned_shortcut = fin != fout
        self.conv1 = spectral(nn.Conv2d(fin, fout, 3, padding=1), spectral_norm)
        self.conv2 = spectral(nn.Conv2d(fout, fout, 3, padding=1), spectral_norm)
        if self.learned_shortcut:
            self.conv_s = spectral(nn.Conv2d(fin, fout, 1), spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.resample == "up":
            # The official block upsamples inside both paths (after the LReLU on the main one);
            # nearest upsampling commutes exactly with LReLU and with a 1x1 conv, so once is enough.
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        dx = x if self.first else F.leaky_relu(x, LRELU_SLOPE)
        dx = self.conv1(dx)
        dx = self.conv2(F.leaky_relu(dx, LRELU_SLOPE))
        shortcut = x
        if self.resample == "down":
            dx = F.avg_pool2d(dx, 2)
            # Pool before the 1x1 conv (the official code does so only in the first block): both
            # are linear, so the order changes only rounding, and pooling first is 4x cheaper.
            shortcut = F.avg_pool2d(shortcut, 2)
        if self.learned_shortcut:
            shortcut = self.conv_s(shortcut)
        return shortcut + dx


class OASISDiscriminator(nn.Module):
    """OASIS U-Net: image (N, 3, H, W) in [-1, 1] -> logits (N, num_classes + 1, H, W).

    Channel 0 is "fake", channel 1 + k class id k (module docstring). H and W must be multiples
    of 2**num_res_blocks. Module names follow the official code (body_down, body_up,
    layer_up_last; conv1, conv2, conv_s) so that its weights map one to one.
    """

    def __init__(self, config: OASISDiscriminatorConfig) -> None:
        super().__init__()
        self.config = config
        ch = config.widths
        n = config.num_res_blocks
        sn = config.spectral_norm
        self.body_down = nn.ModuleList(
            DiscriminatorResBlock(ch[i], ch[i + 1], "down", first=i == 0, spectral_norm=sn) for i in range(n)
        )
        # Decoder block i (i >= 1) reads the previous block's output (ch[n - i]) concatenated with
        # the encoder output of the same resolution (also ch[n - i]).
        up = [DiscriminatorResBlock(ch[n], ch[n - 1], "up", spectral_norm=sn)]
        up += [DiscriminatorResBlock(2 * ch[n - i], ch[n - 1 - i], "up", spectral_norm=sn) for i in range(1, n - 1)]
        up.append(DiscriminatorResBlock(2 * ch[1], config.last_channels, "up", spectral_norm=sn))
        self.body_up = nn.ModuleList(up)
        self.layer_up_last = nn.Conv2d(config.last_channels, config.output_channels, 1)
        init_glorot(self, config.init_gain)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """image (N, 3, H, W) -> (N, num_classes + 1, H, W) per-pixel logits (0 = fake)."""
        factor = 2**self.config.num_res_blocks
        if image.dim() != 4 or image.size(1) != 3:
            raise ValueError(f"expected an image batch (N, 3, H, W), got {tuple(image.shape)}")
        if image.size(2) % factor or image.size(3) % factor:
            raise ValueError(
                f"image size {image.size(2)}x{image.size(3)} must be divisible by {factor} "
                f"(num_res_blocks={self.config.num_res_blocks})"
            )
        x = image
        skips = []  # encoder outputs, finest first: (N, ch[i + 1], H / 2^(i+1), W / 2^(i+1))
        for block in self.body_down:
            x = block(x)
            skips.append(x)
        x = self.body_up[0](x)
        for i in range(1, len(self.body_up)):
            x = self.body_up[i](torch.cat([skips[-i - 1], x], dim=1))
        return self.layer_up_last(x)
