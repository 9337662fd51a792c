"""Relighting a photo: exposure, white balance and contrast on its intensities, as a camera would
change them. Shared by training (``light_jitter``: random light for the real photos) and evaluation
(the reference-light score: does a relit reference relight the picture?)."""

from __future__ import annotations

import torch


def relight(image: torch.Tensor, exposure: torch.Tensor | float, channel_gains: torch.Tensor | None = None,
            contrast: torch.Tensor | float | None = None) -> torch.Tensor:
    """(N, 3, H, W) photos in [-1, 1] -> the same photos in another light, in [-1, 1].

    On intensities in [0, 1]: x ``exposure`` (a number or (N, 1, 1, 1)), x ``channel_gains``
    ((N, 3, 1, 1), white balance), then the contrast about each picture's mean grey x ``contrast``,
    then clipped to [0, 1] as a sensor saturates.
    """
    gains = torch.as_tensor(exposure, dtype=image.dtype, device=image.device)
    if channel_gains is not None:
        gains = gains * channel_gains.to(image.device, image.dtype)
    lit = (image + 1) / 2 * gains
    if contrast is not None:
        mean = lit.mean((1, 2, 3), keepdim=True)
        lit = (lit - mean) * torch.as_tensor(contrast, dtype=image.dtype, device=image.device) + mean
    return lit.clamp(0, 1) * 2 - 1
