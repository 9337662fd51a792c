"""The VAE image encoder: an image's style as a Gaussian over z (mu, logvar).

The paper's encoder follows every conv with a parameter-free instance norm. An exposure change of a
picture in [-1, 1] is x -> f x + (f - 1), so the first conv's output becomes f conv(x) plus a constant
per channel, and the instance norm removes both: up to the zero padding at the borders and clipped
highlights, that encoder cannot see a picture's exposure or contrast (measured on the embedded street
model: relit x0.5 a frame's code moves by 0.05, where another frame's lies 2.9 away;
docs/streets-log.md, "A style tone"). With ``light_statistics`` the heads also read the picture's
per-channel mean and standard deviation, which carry exactly that.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.models.config import ConvEncoderConfig
from gaugan.nn.added_linear import AddedLinear
from gaugan.nn.init import init_glorot
from gaugan.nn.spectral import spectral

_WIDTH_MULTIPLIERS = (1, 2, 4, 8, 8, 8, 8, 8)
# The light heads learn this much faster than the encoder's other weights (`AddedLinear`): at their rate
# they had grown to columns of norm 0.06 after 600 steps, moving a frame's code by ~0.06 between x0.6 and x1.5.
LIGHT_LEARNING_RATE_MULTIPLIER = 30.0


def conv_norm(fin: int, fout: int, kernel_size: int, stride: int, padding: int, spectral_norm: bool) -> nn.Sequential:
    """[spectral] conv (no bias: instance norm would cancel it) -> parameter-free instance norm."""
    conv = nn.Conv2d(fin, fout, kernel_size, stride=stride, padding=padding, bias=False)
    return nn.Sequential(spectral(conv, spectral_norm), nn.InstanceNorm2d(fout, affine=False))


class ConvEncoder(nn.Module):
    """(N, 3, H, W) image in [-1, 1] -> (mu, logvar), each (N, z_dim).

    Images are first resized (bilinear) to input_size^2; stride-2 3x3 convs with instance norm and
    LReLU(0.2) bring them to 4x4 x 8 ndf channels, then two linear heads give mu and logvar.
    """

    def __init__(self, config: ConvEncoderConfig) -> None:
        super().__init__()
        self.config = config
        widths = [config.ndf * m for m in _WIDTH_MULTIPLIERS[: config.num_layers]]
        fin = 3
        for index, fout in enumerate(widths, start=1):
            self.add_module(f"layer{index}", conv_norm(fin, fout, 3, 2, 1, config.spectral_norm))
            fin = fout
        self.fc_mu = nn.Linear(fin * 4 * 4, config.z_dim)
        self.fc_var = nn.Linear(fin * 4 * 4, config.z_dim)
        init_glorot(self, config.init_gain)
        if config.light_statistics:
            # After the Glorot draw, which would redraw them: zero, so weights trained without them load unchanged.
            self.light_mu = AddedLinear(6, config.z_dim, LIGHT_LEARNING_RATE_MULTIPLIER, bias=False)
            self.light_var = AddedLinear(6, config.z_dim, LIGHT_LEARNING_RATE_MULTIPLIER, bias=False)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if image.dim() != 4 or image.size(1) != 3:
            raise ValueError(f"encoder expects RGB images (N, 3, H, W), got {tuple(image.shape)}")
        size = self.config.input_size
        x = image
        if x.shape[-2:] != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
        # Of the resized picture, as the exported encoder (which always resizes) sees it.
        light = light_statistics(x) if self.config.light_statistics else None
        for index in range(1, self.config.num_layers + 1):
            if index > 1:
                x = F.leaky_relu(x, 0.2)
            x = getattr(self, f"layer{index}")(x)
        x = F.leaky_relu(x, 0.2).flatten(1)
        mu, logvar = self.fc_mu(x), self.fc_var(x)
        if light is not None:
            mu, logvar = mu + self.light_mu(light), logvar + self.light_var(light)
        return mu, logvar


def light_statistics(image: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) image in [-1, 1] -> (N, 6): each channel's mean, then each channel's standard deviation."""
    flat = image.flatten(2)
    return torch.cat([flat.mean(2), flat.std(2)], 1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """z = mu + eps * exp(logvar / 2), eps ~ N(0, I); differentiable in mu and logvar."""
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + eps * torch.exp(0.5 * logvar)
