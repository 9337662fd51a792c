"""pix2pixHD's multi-scale PatchGAN discriminator, conditioned on the semantic input."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.models.config import MultiscaleDiscriminatorConfig
from gaugan.models.encoder import conv_norm
from gaugan.nn.init import init_glorot

Features = list[torch.Tensor]


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

    def forward(self, x: torch.Tensor) -> Features:
        features = []
        for n in range(self.n_layers + 1):
            x = getattr(self, f"model{n}")(x)
            features.append(x)
        return features


class MultiscaleDiscriminator(nn.Module):
    """``num_d`` PatchGANs on the input at full, 1/2, 1/4 ... resolution.

    Call as D(semantics (N, C, H, W), image (N, 3, H, W)). Returns, per scale, the list of
    intermediate feature maps (for feature matching) whose last entry is the (N, 1, h, w) logits.
    """

    def __init__(self, config: MultiscaleDiscriminatorConfig) -> None:
        super().__init__()
        self.config = config
        for i in range(config.num_d):
            self.add_module(
                f"discriminator_{i}",
                NLayerDiscriminator(config.input_channels, config.ndf, config.n_layers, config.spectral_norm),
            )
        init_glorot(self, config.init_gain)

    def forward(self, semantics: torch.Tensor, image: torch.Tensor) -> list[Features]:
        x = torch.cat([semantics, image], dim=1)
        if x.size(1) != self.config.input_channels:
            raise ValueError(
                f"discriminator expects {self.config.input_channels} channels (semantics + image), "
                f"got {semantics.size(1)} + {image.size(1)}"
            )
        results = []
        for i in range(self.config.num_d):
            results.append(getattr(self, f"discriminator_{i}")(x))
            if i + 1 < self.config.num_d:
                x = F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)
        return results
