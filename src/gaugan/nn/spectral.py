"""Spectral normalisation (Miyato et al. 2018), switchable per model.

The parametrisation is `torch.nn.utils.parametrizations.spectral_norm`'s (same power iteration,
same state: ``<layer>.parametrizations.weight.original`` with its vectors ``_u``/``_v``), with a
cheaper gradient. For W_sn = W / sigma, sigma = u^T W v (u, v held constant, as torch does):

    dL/dW = (G - <G, W_sn> u v^T) / sigma,        G = dL/dW_sn

Autograd derives this from the division and the bilinear form in ~7 passes over W (the quotient's
gradient, a negation, a product, a division, the outer product, two sums); here it is one dot
product and one ``addmm``. For the 1024x1024x3x3 convs of the 256x256 SPADE generator each pass
costs ~10 ms on a 2-core CPU, which made this gradient ~0.7 s of a 5 s training iteration.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm


class _DivideBySigma(torch.autograd.Function):
    """(W (O, ...), u (O,), v (prod(...),)) -> W / (u^T W v), with the two-pass gradient above."""

    @staticmethod
    def forward(ctx, weight: torch.Tensor, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        sigma = torch.vdot(u, torch.mv(weight.flatten(1), v))
        normalized = weight / sigma
        ctx.save_for_backward(normalized, u, v, sigma)
        return normalized

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        normalized, u, v, sigma = ctx.saved_tensors
        grad = grad.contiguous()
        along = torch.vdot(grad.flatten(), normalized.flatten())  # <G, W_sn>
        if grad.is_cuda:  # addmm's alpha and beta must be numbers; reading them would wait for the GPU
            grad_weight = (grad.flatten(1) - along * torch.outer(u, v)) / sigma
        else:  # one pass: G / sigma - (<G, W_sn> / sigma) u v^T
            inverse = 1.0 / sigma.item()
            grad_weight = torch.addmm(grad.flatten(1), u[:, None], v[None, :], beta=inverse, alpha=-along.item() * inverse)
        return grad_weight.view_as(grad), None, None


class SpectralNorm(_SpectralNorm):
    """torch's spectral-norm parametrisation with `_DivideBySigma`'s gradient (dim-0 matrices)."""

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        if weight.ndim == 1 or self.dim != 0:
            return super().forward(weight)
        if self.training:
            self._power_method(weight.flatten(1), self.n_power_iterations)
        # Clones: the power method updates _u/_v in place, and backward needs these values.
        u = self._u.clone(memory_format=torch.contiguous_format)
        v = self._v.clone(memory_format=torch.contiguous_format)
        return _DivideBySigma.apply(weight, u, v)


def spectral_norm(layer: nn.Module, n_power_iterations: int = 1, eps: float = 1e-12) -> nn.Module:
    """Register `SpectralNorm` on ``layer.weight`` (in place), as torch's ``spectral_norm`` does."""
    dim = 1 if isinstance(layer, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)) else 0
    parametrize.register_parametrization(layer, "weight", SpectralNorm(layer.weight, n_power_iterations, dim, eps))
    return layer


def spectral(layer: nn.Module, enabled: bool = True) -> nn.Module:
    """Return ``layer`` with spectral norm on its weight when ``enabled`` (in place)."""
    return spectral_norm(layer) if enabled else layer


def spectral_norm_enabled(layer: nn.Module) -> bool:
    return parametrize.is_parametrized(layer, "weight")
