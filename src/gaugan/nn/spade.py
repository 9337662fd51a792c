"""The SPADE layer: spatially-adaptive (de)normalisation.

    SPADE(x, m) = norm(x) * (1 + gamma(m)) + beta(m)

``norm`` has no learned parameters (sync-batch, batch or instance); ``gamma`` and ``beta`` are
per-pixel, per-channel maps predicted from the label map ``m`` (resized with nearest neighbour to
x's size) by a small shared conv + ReLU followed by one conv each. Because the label map enters
*after* normalisation, a uniform label map still changes the output, unlike a network that only
sees the label map at its input (the paper's Figure 3).

The label map may also come as `ClassIdMaps` (class ids resized once per resolution); the shared
conv is then computed by table lookups (`gaugan.nn.label_lookup`): the same function and
gradients, without resizing and convolving the full one-hot map in every layer.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.nn.label_lookup import ClassIdMaps, onehot_conv
from gaugan.nn.norms import param_free_norm

KERNEL_SIZES = (1, 3, 5)


class SPADE(nn.Module):
    """Spatially-adaptive normalisation of an (N, C, H, W) activation by an (N, L, H', W') label map.

    Args:
        norm_channels: C, channels of the activation being normalised.
        label_channels: L, channels of the semantic input (one-hot classes [+ don't-care] [+ edge]).
        norm: parameter-free norm, "syncbatch" | "batch" | "instance".
        kernel_size: 1, 3 or 5 for every conv of the modulation network.
        hidden: channels of the shared modulation conv (128 in the paper).
    """

    def __init__(
        self,
        norm_channels: int,
        label_channels: int,
        norm: str = "syncbatch",
        kernel_size: int = 3,
        hidden: int = 128,
    ) -> None:
        super().__init__()
        if kernel_size not in KERNEL_SIZES:
            raise ValueError(f"SPADE kernel size must be one of {KERNEL_SIZES}, got {kernel_size}")
        padding = kernel_size // 2
        self.param_free_norm = param_free_norm(norm, norm_channels)
        self.mlp_shared = nn.Sequential(
            nn.Conv2d(label_channels, hidden, kernel_size, padding=padding),
            nn.ReLU(),
        )
        self.mlp_gamma = nn.Conv2d(hidden, norm_channels, kernel_size, padding=padding)
        self.mlp_beta = nn.Conv2d(hidden, norm_channels, kernel_size, padding=padding)

    def modulation(self, segmap: torch.Tensor | ClassIdMaps, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """gamma, beta: each (N, C, *size), from a label map resized (nearest) to ``size``."""
        if isinstance(segmap, ClassIdMaps):
            hidden = self.mlp_shared[1](onehot_conv(self.mlp_shared[0], segmap, size))
        else:
            if segmap.shape[-2:] != size:
                segmap = F.interpolate(segmap, size=size, mode="nearest")
            hidden = self.mlp_shared(segmap)
        return self.mlp_gamma(hidden), self.mlp_beta(hidden)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor | ClassIdMaps) -> torch.Tensor:
        """x: (N, C, H, W); segmap: (N, L, H', W') or its `ClassIdMaps` -> (N, C, H, W)."""
        normalized = self.param_free_norm(x)
        gamma, beta = self.modulation(segmap, tuple(x.shape[-2:]))
        return normalized * (1 + gamma) + beta
