"""KL divergence of the encoder's Gaussian from N(0, I)."""

from __future__ import annotations

import torch


def kld_loss(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) summed over batch and dimensions, as the paper's code does.

    mu, logvar: (N, z_dim). Weighted by 0.05 in the paper's recipe.
    """
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
