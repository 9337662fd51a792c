"""pix2pixHD's discriminator feature-matching loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def feature_matching_loss(fake: list[list[torch.Tensor]], real: list[list[torch.Tensor]]) -> torch.Tensor:
    """L1 between the discriminator's intermediate features on fake and real images.

    Args:
        fake, real: per scale, the list of features from `MultiscaleDiscriminator` (the last entry,
            the logits, is excluded). Real features are detached: only the generator learns here.
    Returns:
        scalar: sum over layers of the mean L1, averaged over scales (weight it by 10 as the paper).
    """
    if len(fake) != len(real):
        raise ValueError(f"{len(fake)} fake scales vs {len(real)} real scales")
    total = fake[0][0].new_zeros(())
    for fake_scale, real_scale in zip(fake, real):
        for f, r in zip(fake_scale[:-1], real_scale[:-1]):
            total = total + F.l1_loss(f, r.detach())
    return total / len(fake)
