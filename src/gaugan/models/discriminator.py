"""pix2pixHD's multi-scale PatchGAN discriminator, conditioned on the semantic input."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.models.config import MultiscaleDiscriminatorConfig
from gaugan.models.encoder import conv_norm
from gaugan.nn.init import init_glorot
from gaugan.label_codes import LabelCodes
from gaugan.nn.label_lookup import onehot_conv

Features = list[torch.Tensor]


@dataclass
class JudgedLabels:
    """What the discriminator derives from a label map alone (`MultiscaleDiscriminator.prepare`).

    The training step judges the same label maps three times per iteration (D's update, then the
    fake and the real image in G's); preparing them once saves two derivations of the codes and of
    the pooled maps, which for COCO-Stuff's 184 channels cost more than the coarse scales' convs.

    Attributes:
        semantics: (N, C, H, W) the semantic input.
        codes: its label codes for the lookup of the first conv, or None (no lookup).
        channels: (P,) the semantic channels that are non-zero somewhere in the batch; an all-zero
            channel adds nothing to a conv, so the coarse scales convolve these only.
        pyramid: ``semantics[:, channels]`` average-pooled for scales 1 .. num_d - 1.
    """

    semantics: torch.Tensor
    codes: LabelCodes | None = None
    channels: torch.Tensor | None = None
    pyramid: list[torch.Tensor] = field(default_factory=list)


class NLayerDiscriminator(nn.Module):
    """One PatchGAN: 4x4 convs, LReLU(0.2); returns every layer's output, the last being the logits.

    model0: conv stride 2 (bias, no norm); model1..n-1: [spectral] conv + instance norm, stride 2
    except the last of them (stride 1); model_n: conv -> 1 channel.
    """

    def __init__(self, input_channels: int, ndf: int, n_layers: int, spectral_norm: bool) -> None:
        super().__init__()
        kw, padw = 4, 2
        nf = ndf
        self.model0 = nn.Sequential(nn.Conv2d(input_channels, nf, kw, stride=2, padding=padw), nn.LeakyReLU(0.2))
        for n in range(1, n_layers):
            nf_prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == n_layers - 1 else 2
            self.add_module(
                f"model{n}", nn.Sequential(conv_norm(nf_prev, nf, kw, stride, padw, spectral_norm), nn.LeakyReLU(0.2))
            )
        self.add_module(f"model{n_layers}", nn.Sequential(nn.Conv2d(nf, 1, kw, stride=1, padding=padw)))
        self.n_layers = n_layers

    def forward(self, x: torch.Tensor | None, first_conv: torch.Tensor | None = None) -> Features:
        """x: (N, C, H, W) input; or None and ``first_conv``, model0's conv output computed elsewhere."""
        features = []
        for n in range(self.n_layers + 1):
            layer = getattr(self, f"model{n}")
            x = layer[1](first_conv) if n == 0 and first_conv is not None else layer(x)
            features.append(x)
        return features


class MultiscaleDiscriminator(nn.Module):
    """``num_d`` PatchGANs on the input at full, 1/2, 1/4 ... resolution.

    Call as D(semantics (N, C, H, W), image (r*N, 3, H, W)) (see `forward`). Returns, per scale,
    the list of intermediate feature maps (for feature matching) whose last entry is the
    (r*N, 1, h, w) logits.

    Args:
        config: the architecture.
        label_lookup: when the semantic input is one-hot (+ a last extra channel), compute the
            full-resolution PatchGAN's first conv on it as table lookups (`gaugan.nn.label_lookup`:
            the same function and gradients) plus a 3-channel conv of the image, and pool
            the semantics and the image separately for the coarser scales, instead of
            concatenating and convolving C + 3 channels. In the 256x256 COCO-Stuff model that
            first conv is the discriminator's costliest (184 + 3 input channels at full resolution).
            The coarser scales split their first conv the same way, with the label part convolved.
    """

    def __init__(self, config: MultiscaleDiscriminatorConfig, label_lookup: bool = False) -> None:
        super().__init__()
        self.config = config
        self.label_lookup = label_lookup
        for i in range(config.num_d):
            self.add_module(
                f"discriminator_{i}",
                NLayerDiscriminator(config.input_channels, config.ndf, config.n_layers, config.spectral_norm),
            )
        init_glorot(self, config.init_gain)

    def prepare(self, semantics: torch.Tensor) -> JudgedLabels:
        """The label map's share of the work, for several calls with the same ``semantics``."""
        codes = LabelCodes.from_semantics(semantics) if self.label_lookup else None
        if codes is None:
            return JudgedLabels(semantics)
        channels = (semantics.detach().flatten(2).amax(2).amax(0) != 0).nonzero().squeeze(1)
        if channels.numel() == 0:  # an all-zero map: one (zero) channel keeps the conv's shapes valid
            channels = torch.zeros(1, dtype=torch.long, device=semantics.device)
        pyramid, level = [], semantics.index_select(1, channels)
        for _ in range(1, self.config.num_d):
            level = _downsample(level)
            pyramid.append(level)
        return JudgedLabels(semantics, codes, channels, pyramid)

    def forward(self, semantics: torch.Tensor | JudgedLabels, image: torch.Tensor) -> list[Features]:
        """semantics (N, C, H, W) or `prepare`'s result, image (r*N, 3, H, W): image i is judged
        with semantics i mod N.

        ``r > 1`` serves the training step, which judges fakes and reals of the same label maps
        in one batch: the label map is then concatenated, pooled and (with the lookup) convolved
        once instead of r times.
        """
        labels = semantics if isinstance(semantics, JudgedLabels) else None
        semantics = labels.semantics if labels is not None else semantics
        if semantics.size(1) + image.size(1) != self.config.input_channels:
            raise ValueError(
                f"discriminator expects {self.config.input_channels} channels (semantics + image), "
                f"got {semantics.size(1)} + {image.size(1)}"
            )
        if semantics.size(0) == 0 or image.size(0) % semantics.size(0):
            raise ValueError(f"image batch {image.size(0)} is not a multiple of the semantics batch {semantics.size(0)}")
        repeats = image.size(0) // semantics.size(0)
        labels = labels if labels is not None else self.prepare(semantics)
        if labels.codes is not None:
            return self._forward_with_lookup(labels, image, repeats)
        x = torch.cat([semantics.repeat(repeats, 1, 1, 1), image], dim=1)
        results = []
        for i in range(self.config.num_d):
            results.append(getattr(self, f"discriminator_{i}")(x))
            if i + 1 < self.config.num_d:
                x = _downsample(x)
        return results

    def _forward_with_lookup(self, labels: JudgedLabels, image: torch.Tensor, repeats: int) -> list[Features]:
        # Each PatchGAN's first conv splits: conv([s; x]) = conv(s; W_s) + conv(x; W_x). The label
        # part is computed once per label map (by lookup at full resolution, bias included; on the
        # pooled non-zero channels at the coarser scales), the image part per image. Average
        # pooling acts per channel, so pooling each part equals pooling the concatenation.
        c = labels.semantics.size(1)
        results = []
        for i in range(self.config.num_d):
            d = getattr(self, f"discriminator_{i}")
            conv = d.model0[0]
            if i == 0:
                label_part = onehot_conv(conv, labels.codes, tuple(labels.semantics.shape[-2:]), weight=conv.weight[:, :c])
            else:
                image = _downsample(image)
                weight = conv.weight[:, :c].index_select(1, labels.channels)
                label_part = F.conv2d(labels.pyramid[i - 1], weight, conv.bias, stride=conv.stride, padding=conv.padding)
            image_part = F.conv2d(image, conv.weight[:, c:], stride=conv.stride, padding=conv.padding)
            first = (image_part.unflatten(0, (repeats, -1)) + label_part).flatten(0, 1)
            results.append(d(None, first_conv=first))
        return results


def _downsample(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)
