"""KL divergence of the encoder's Gaussian from N(0, I)."""

from __future__ import annotations

import torch


def kld_loss(mu: torch.Tensor, logvar: torch.Tensor, free_bits: float = 0.0) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) summed over batch and dimensions, as the paper's code does.

    mu, logvar: (N, z_dim). Weighted by 0.05 in the paper's recipe.
    free_bits: nats per latent dimension (batch mean) that are not charged, Kingma et al. 2016's "free
    bits": a dimension whose mean KL is below it counts as exactly that much and passes no gradient, so
    the encoder may carry up to z_dim x free_bits nats of style per picture at no cost. 0 = the paper's sum.
    """
    per_dimension = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(0)  # (z_dim,) summed over the batch
    if free_bits > 0:
        per_dimension = per_dimension.clamp(min=free_bits * mu.shape[0])
    return per_dimension.sum()
