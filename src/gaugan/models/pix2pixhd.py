"""The paper's baseline: a pix2pixHD-style encoder-decoder generator, and its SPADE variant.

With ``norm="instance"`` the label map is seen only at the input and every conv is followed by
instance norm. On a uniform label map the first conv's output is spatially constant, instance
norm maps it to zero, and the rest of the network cannot tell which label it was: the "semantic
information washed away" of the paper's Figure 3. With ``norm="spade"`` the residual and
upsampling layers use SPADE (parameter-free instance norm, modulated by the label map), which
restores the label's influence ("pix2pixHD++ w/ SPADE").
"""

from __future__ import annotations

import torch
import torch.nn as nn

from gaugan.models.config import Pix2PixHDGeneratorConfig
from gaugan.nn.init import init_glorot
from gaugan.nn.spade import SPADE
from gaugan.nn.spectral import spectral


class _ConditionedSequential(nn.Sequential):
    """nn.Sequential that passes the label map to the layers that take one (SPADE, residual blocks)."""

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        for layer in self:
            x = layer(x, segmap) if isinstance(layer, (SPADE, _ResnetBlock)) else layer(x)
        return x


class _ResnetBlock(nn.Module):
    """x + [pad, conv3x3, norm, ReLU, pad, conv3x3, norm](x); norm = instance or SPADE."""

    def __init__(self, dim: int, config: Pix2PixHDGeneratorConfig) -> None:
        super().__init__()
        self.conv_block = _ConditionedSequential(
            nn.ReflectionPad2d(1),
            *_conv_norm(nn.Conv2d(dim, dim, 3, bias=False), dim, config),
            nn.ReLU(),
            nn.ReflectionPad2d(1),
            *_conv_norm(nn.Conv2d(dim, dim, 3, bias=False), dim, config),
        )

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x, segmap)


def _conv_norm(conv: nn.Module, channels: int, config: Pix2PixHDGeneratorConfig, allow_spade: bool = True) -> list:
    if config.norm == "spade" and allow_spade:
        norm: nn.Module = SPADE(channels, config.semantic_channels, "instance", config.spade_kernel_size, config.spade_hidden)
    else:
        norm = nn.InstanceNorm2d(channels, affine=False)
    return [spectral(conv, config.spectral_norm), norm]


class Pix2PixHDGenerator(nn.Module):
    """(N, C_sem, H, W) -> (N, 3, H, W) in [-1, 1]; H, W divisible by 2^n_downsample."""

    def __init__(self, config: Pix2PixHDGeneratorConfig) -> None:
        super().__init__()
        self.config = config
        ngf = config.ngf
        # Downsampling path: always instance norm, the label map is its input.
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            *_conv_norm(nn.Conv2d(config.semantic_channels, ngf, 7, bias=False), ngf, config, allow_spade=False),
            nn.ReLU(),
        ]
        mult = 1
        for _ in range(config.n_downsample):
            conv = nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=False)
            layers += [*_conv_norm(conv, ngf * mult * 2, config, allow_spade=False), nn.ReLU()]
            mult *= 2
        layers += [_ResnetBlock(ngf * mult, config) for _ in range(config.n_blocks)]
        for _ in range(config.n_downsample):
            nc_in, nc_out = ngf * mult, ngf * mult // 2
            conv = nn.ConvTranspose2d(nc_in, nc_out, 3, stride=2, padding=1, output_padding=1, bias=False)
            layers += [*_conv_norm(conv, nc_out, config), nn.ReLU()]
            mult //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
        self.model = _ConditionedSequential(*layers)
        init_glorot(self, config.init_gain)

    def forward(self, segmap: torch.Tensor) -> torch.Tensor:
        factor = 2**self.config.n_downsample
        if segmap.dim() != 4 or segmap.size(1) != self.config.semantic_channels:
            raise ValueError(
                f"expected a semantic input of shape (N, {self.config.semantic_channels}, H, W), got {tuple(segmap.shape)}"
            )
        if segmap.size(-1) % factor or segmap.size(-2) % factor:
            raise ValueError(f"label map size {tuple(segmap.shape[-2:])} must be divisible by {factor}")
        return self.model(segmap, segmap)
