"""Read a trained module's eval-mode weights, and the affine form of an eval-mode norm.

What the fast path (`gaugan.fast`) and the ONNX graph (`gaugan.export.graphs`) build from: each
conditional norm layer folds itself with these (`SPADE.fold`, `CLADE.fold`), so an edit to a layer
and its fold sit side by side.

Spectral norm: in eval mode the parametrization divides the stored weight by sigma = u^T W v
with its stored power-iteration vectors, without updating them. That division is done once here
(it is 3% of the reference forward when repeated every call).

A batch norm in eval mode (running statistics) is affine in x per channel:

    BN(x) = x * s + t,        s = w / sqrt(var + eps),  t = bias - mean * s

Instance norm (and batch norm without running statistics) depends on x's own statistics, so a
fold keeps it.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn

from gaugan.nn.modes import module_mode


def eval_weights(layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(weight, bias) of a conv/linear layer as its eval-mode forward uses them: detached CPU copies
    (the fast modules are built on the CPU, then moved to the source's device).

    Reading a spectrally normalised weight in train mode would run a power iteration and update
    the layer's u, v, so the layer is switched to eval for the read and then restored.
    """
    with module_mode(layer, training=False), torch.no_grad():
        weight = layer.weight.detach().to("cpu", copy=True)
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


def norm_fold(norm: nn.Module, channels: int) -> tuple[torch.Tensor, torch.Tensor, nn.Module | None]:
    """(s, t, kept): ``norm(x) = x * s + t`` folded (`norm_affine`, kept None), or for a norm that
    depends on x's own statistics s = 1, t = 0 and ``kept`` an eval-mode CPU copy still to apply."""
    affine = norm_affine(norm)
    if affine is not None:
        return (*affine, None)
    ones, zeros = torch.ones(channels, dtype=torch.float64), torch.zeros(channels, dtype=torch.float64)
    return ones, zeros, copy.deepcopy(norm).eval().cpu()
