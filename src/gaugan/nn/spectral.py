"""Spectral normalisation (Miyato et al. 2018), switchable per model.

The parametrisation is `torch.nn.utils.parametrizations.spectral_norm`'s (same power iteration,
same state: ``<layer>.parametrizations.weight.original`` with its vectors ``_u``/``_v``), with a
cheaper gradient. For W_sn = W / sigma, sigma = u^T W v (u, v held constant, as torch does):

    dL/dW = (G - <G, W_sn> u v^T) / sigma,        G = dL/dW_sn

Autograd derives this from the division and the bilinear form in ~7 passes over W (the quotient's
gradient, a negation, a product, a division, the outer product, two sums); here it is one dot
product and one ``addmm``. For the 1024x1024x3x3 convs of the 256x256 SPADE generator each pass
costs ~10 ms on a 2-core CPU, which made this gradient ~0.7 s of a 5 s training iteration.

W is read as a matrix in its own memory order: a channels-last conv weight (O, I, k, k) is the
matrix (O, k*k*I), whose columns are W's usual (O, I*k*k) columns permuted, so u, sigma and the
gradient are the same with v permuted alike (v stays stored in torch's order). ``flatten(1)`` of a
channels-last weight copies it instead, and the gradient came back NCHW for Adam to copy again: six
copies per conv per training step, 0.5 s of a 5.8 s coco-256 step in channels-last fp32.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm

from gaugan.nn.memory_layout import is_channels_last, memory_layout


def _as_matrix(weight: torch.Tensor) -> torch.Tensor:
    """(O, ...) -> (O, prod(...)), a view in ``weight``'s memory order (module doc)."""
    return weight.permute(0, 2, 3, 1).flatten(1) if is_channels_last(weight) else weight.flatten(1)


def _like_weight(matrix: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """`_as_matrix`'s inverse: (O, prod(...)) in ``weight``'s memory order -> a tensor shaped and laid out as ``weight``."""
    if is_channels_last(weight):
        o, i, kh, kw = weight.shape
        return matrix.view(o, kh, kw, i).permute(0, 3, 1, 2)
    return matrix.view_as(weight)


class _DivideBySigma(torch.autograd.Function):
    """(W (O, ...), u (O,), v (prod(...),) in W's memory order) -> W / (u^T W v), with the two-pass
    gradient above, laid out as W."""

    @staticmethod
    def forward(ctx, weight: torch.Tensor, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        sigma = torch.vdot(u, torch.mv(_as_matrix(weight), v))
        normalized = weight / sigma
        ctx.save_for_backward(normalized, u, v, sigma)
        return normalized

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        normalized, u, v, sigma = ctx.saved_tensors
        grad = _as_matrix(grad.contiguous(memory_format=memory_layout(normalized)))
        along = torch.vdot(grad.flatten(), _as_matrix(normalized).flatten())  # <G, W_sn>
        if grad.is_cuda:  # addmm's alpha and beta must be numbers; reading them would wait for the GPU
            grad_weight = (grad - along * torch.outer(u, v)) / sigma
        else:  # one pass: G / sigma - (<G, W_sn> / sigma) u v^T
            inverse = 1.0 / sigma.item()
            grad_weight = torch.addmm(grad, u[:, None], v[None, :], beta=inverse, alpha=-along.item() * inverse)
        return _like_weight(grad_weight, normalized), None, None


class SpectralNorm(_SpectralNorm):
    """torch's spectral-norm parametrisation with `_DivideBySigma`'s gradient (dim-0 matrices)."""

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        if weight.ndim == 1 or self.dim != 0:
            return super().forward(weight)
        matrix = _as_matrix(weight)
        if is_channels_last(weight):
            # v in the matrix's column order; _v keeps torch's order (and its storage, updated in place).
            o, i, kh, kw = weight.shape
            v_order = self._v.view(i, kh, kw).permute(1, 2, 0).reshape(-1)
            if self.training:
                with torch.no_grad():
                    for _ in range(self.n_power_iterations):
                        torch.nn.functional.normalize(torch.mv(matrix, v_order), dim=0, eps=self.eps, out=self._u)
                        v_order = torch.nn.functional.normalize(torch.mv(matrix.H, self._u), dim=0, eps=self.eps)
                    self._v.copy_(v_order.view(kh, kw, i).permute(2, 0, 1).reshape(-1))
            return _DivideBySigma.apply(weight, self._u.clone(), v_order.clone())
        if self.training:
            self._power_method(matrix, self.n_power_iterations)
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
