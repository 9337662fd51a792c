"""Adversarial losses over a multi-scale discriminator's outputs.

``predictions`` is what `MultiscaleDiscriminator` returns: per scale, a list of feature maps whose
last entry is the logits. Each scale's loss is a mean over its logits; scales are averaged, as in
the paper's code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

GAN_MODES = ("hinge", "ls", "original")

Predictions = torch.Tensor | list[torch.Tensor] | list[list[torch.Tensor]]


def _logits_per_scale(predictions: Predictions) -> list[torch.Tensor]:
    if isinstance(predictions, torch.Tensor):
        return [predictions]
    return [p[-1] if isinstance(p, (list, tuple)) else p for p in predictions]


def _single_scale(logits: torch.Tensor, target_is_real: bool, for_discriminator: bool, mode: str) -> torch.Tensor:
    if mode == "hinge":
        if for_discriminator:
            margin = logits - 1 if target_is_real else -logits - 1
            return -torch.clamp(margin, max=0).mean()
        if not target_is_real:
            raise ValueError("the generator's hinge loss is only defined for target_is_real=True")
        return -logits.mean()
    target = torch.full_like(logits, 1.0 if target_is_real else 0.0)
    if mode == "ls":
        return F.mse_loss(logits, target)
    if mode == "original":
        return F.binary_cross_entropy_with_logits(logits, target)
    raise ValueError(f"unknown GAN loss mode {mode!r}; choose one of {', '.join(GAN_MODES)}")


def gan_loss(predictions: Predictions, target_is_real: bool, for_discriminator: bool, mode: str = "hinge") -> torch.Tensor:
    """Scalar adversarial loss averaged over discriminator scales.

    Args:
        predictions: logits (N, 1, h, w), or per-scale lists of features ending in logits.
        target_is_real: whether the images behind ``predictions`` should be judged real.
        for_discriminator: the discriminator's loss (True) or the generator's (False).
        mode: "hinge" (paper), "ls" (least squares) or "original" (non-saturating BCE).
    """
    scales = _logits_per_scale(predictions)
    losses = [_single_scale(logits, target_is_real, for_discriminator, mode) for logits in scales]
    return torch.stack(losses).mean()
