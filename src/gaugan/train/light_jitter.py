"""Random light for the real photos of a training step (``light_jitter``), so that the layout cannot
tell the light and the style code has to.

Why: CamVid train is four drives, each in its own light (dusk, overcast, sun), and their layouts
tell them apart. A generator learns to paint a training frame's light from its layout alone, so the
style encoder has nothing to add: a reference photo then sets no style (measured on the embedded
street model: docs/streets-log.md, "Free bits on the style code"). Changing each real photo's light
at random, for everything that reads it (the encoder, the discriminator, the feature-matching and L1
targets), leaves the code as the only way to know it.

Per picture, on intensities in [0, 1], with strength s (0 = off): exposure x 2^U(-s, s), white
balance per channel x 2^U(-s/4, s/4) (unless ``white_balance`` is off: a colour cast on a real photo
is one the discriminator learns to accept), contrast about the picture's mean grey x 2^U(-s/2, s/2),
then clipped (`gaugan.photo_light.relight`). Draws come from torch's global RNG, which a run saves
and restores, so a resumed run repeats them.
"""

from __future__ import annotations

import torch

from gaugan.photo_light import relight


def _log2_uniform(shape: tuple[int, ...], half_range: float, generator: torch.Generator | None) -> torch.Tensor:
    """2^U(-half_range, half_range) factors of ``shape``."""
    return torch.exp2((torch.rand(shape, generator=generator) * 2 - 1) * half_range)


def jitter_light(image: torch.Tensor, strength: float, generator: torch.Generator | None = None,
                 white_balance: bool = True) -> torch.Tensor:
    """(N, 3, H, W) photos in [-1, 1] -> the same photos under random light, in [-1, 1]."""
    if strength <= 0:
        return image
    n = image.size(0)
    exposure = _log2_uniform((n, 1, 1, 1), strength, generator)
    channel_gains = _log2_uniform((n, 3, 1, 1), strength / 4, generator) if white_balance else None
    contrast = _log2_uniform((n, 1, 1, 1), strength / 2, generator)
    return relight(image, exposure, channel_gains, contrast)
