"""Read a trained module's eval-mode weights and fold eval-mode normalisation into them.

Spectral norm: in eval mode the parametrization divides the stored weight by sigma = u^T W v
with its stored power-iteration vectors, without updating them. That division is done once here
(it is 3% of the reference forward when repeated every call).

SPADE with a batch norm in eval mode (running statistics) is affine in x per channel:

    BN(x) = x * s + t,        s = w / sqrt(var + eps),  t = bias - mean * s
    SPADE = BN(x) * (1 + gamma) + beta = x * [s (1 + gamma)] + [t (1 + gamma) + beta]

and gamma, beta are convs of the same hidden map, so both brackets are one conv each: the
fused conv has weights [s W_gamma ; W_beta + t W_gamma] and biases
[s (1 + b_gamma) ; b_beta + t (1 + b_gamma)], and the layer becomes ``x * a + b``. Instance
norm (and batch norm without running statistics) depends on x's own statistics, so it is kept
and only ``1 + gamma`` is folded into the bias.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn as nn

from gaugan.nn.spade import SPADE


def eval_weights(layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(weight, bias) of a conv/linear layer as its eval-mode forward uses them: detached CPU copies
    (the fast modules are built on the CPU, then moved to the source's device).

    Reading a spectrally normalised weight in train mode would run a power iteration and update
    the layer's u, v, so the layer is switched to eval for the read and then restored.
    """
    was_training = layer.training
    layer.eval()
    try:
        with torch.no_grad():
            weight = layer.weight.detach().to("cpu", copy=True)
    finally:
        layer.train(was_training)
    bias = None if layer.bias is None else layer.bias.detach().to("cpu", copy=True)
    return weight, bias


def plain_conv(conv: nn.Conv2d) -> nn.Conv2d:
    """An unparametrised copy of ``conv`` holding its eval-mode weight."""
    weight, bias = eval_weights(conv)
    plain = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation, conv.groups, bias is not None, conv.padding_mode)
    with torch.no_grad():
        plain.weight.copy_(weight)
        if bias is not None:
            plain.bias.copy_(bias)
    return plain


def plain_linear(linear: nn.Linear) -> nn.Linear:
    """An unparametrised copy of ``linear`` holding its eval-mode weight."""
    weight, bias = eval_weights(linear)
    plain = nn.Linear(linear.in_features, linear.out_features, bias is not None)
    with torch.no_grad():
        plain.weight.copy_(weight)
        if bias is not None:
            plain.bias.copy_(bias)
    return plain


def norm_affine(norm: nn.Module) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(s, t), float64 CPU (C,): ``norm(x) = x * s + t`` per channel, for a batch norm in eval mode
    with running statistics; None for a norm that depends on x's own statistics (instance norm)."""
    if not (isinstance(norm, nn.modules.batchnorm._BatchNorm) and norm.track_running_stats and norm.running_mean is not None):
        return None
    s = torch.rsqrt(norm.running_var.to("cpu", torch.float64) + norm.eps)
    if norm.affine:
        s = s * norm.weight.detach().to("cpu", torch.float64)
    t = -norm.running_mean.to("cpu", torch.float64) * s
    if norm.affine:
        t = t + norm.bias.detach().to("cpu", torch.float64)
    return s, t


@dataclass
class FoldedSPADE:
    """SPADE as ``norm(x) * a + b`` with [a; b] = conv(hidden; weight, bias).

    Attributes:
        shared_weight, shared_bias: mlp_shared[0] (hidden, L, k, k) and (hidden,).
        weight: (2C, hidden, k, k) fused gamma/beta conv, a = first C outputs, b = the rest.
        bias: (2C,).
        norm: the parameter-free norm still to apply to x, or None when folded in.
    """

    shared_weight: torch.Tensor
    shared_bias: torch.Tensor
    weight: torch.Tensor
    bias: torch.Tensor
    norm: nn.Module | None


def fold_spade(spade: SPADE) -> FoldedSPADE:
    """Fold ``spade``'s eval-mode norm and its gamma/beta convs into one conv (see module doc)."""
    shared_weight, shared_bias = eval_weights(spade.mlp_shared[0])
    w_gamma, b_gamma = (t.to(torch.float64) for t in eval_weights(spade.mlp_gamma))
    w_beta, b_beta = (t.to(torch.float64) for t in eval_weights(spade.mlp_beta))
    affine = norm_affine(spade.param_free_norm)
    if affine is not None:
        s, t = affine
        kept_norm = None
    else:
        s = torch.ones_like(b_gamma)
        t = torch.zeros_like(b_gamma)
        kept_norm = copy.deepcopy(spade.param_free_norm).eval().cpu()
    per_channel = (-1, 1, 1, 1)
    weight = torch.cat([s.view(per_channel) * w_gamma, w_beta + t.view(per_channel) * w_gamma])
    bias = torch.cat([s * (1 + b_gamma), b_beta + t * (1 + b_gamma)])
    dtype = shared_weight.dtype
    return FoldedSPADE(shared_weight, shared_bias, weight.to(dtype), bias.to(dtype), kept_norm)
