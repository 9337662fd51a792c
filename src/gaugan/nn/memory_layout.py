"""Which memory layout a 4-d tensor is in, for code that keeps its inputs' layout.

A model converted with ``.to(memory_format=torch.channels_last)`` holds channels-last conv weights
and passes channels-last (N, C, H, W) activations; oneDNN runs convs in the layout it is given, and
an elementwise op between tensors of different layouts takes a slow mixed-stride path, so layers
that build new tensors (SPADE's hidden map, spectral norm's matrix view) follow their input's.
"""

from __future__ import annotations

import torch


def is_channels_last(x: torch.Tensor) -> bool:
    """Whether ``x`` is 4-d and laid out channels-last, and not also contiguous (as it is where C or H * W is 1)."""
    return x.ndim == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)


def memory_layout(x: torch.Tensor) -> torch.memory_format:
    """``torch.channels_last`` where `is_channels_last` (x), else ``torch.contiguous_format``."""
    return torch.channels_last if is_channels_last(x) else torch.contiguous_format


class _ToLayout(torch.autograd.Function):
    """x -> x in ``layout``; its gradient goes back in x's own layout (`to_layout`)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, layout: torch.memory_format) -> torch.Tensor:  # type: ignore[override]
        ctx.source = memory_layout(x)
        return x.contiguous(memory_format=layout)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        return grad.contiguous(memory_format=ctx.source), None


def to_layout(x: torch.Tensor, layout: torch.memory_format) -> torch.Tensor:
    """(N, C, H, W) ``x`` in memory ``layout`` (``x`` itself where it is), with its gradient returned in
    x's layout: ``x.contiguous(memory_format=...)`` passes the gradient on as it comes, so the layers
    before such a boundary would get gradients in the layout after it, and their convs' backward
    would run in that layout (slow for the weight-bound convs a generator keeps NCHW)."""
    if memory_layout(x) == layout:
        return x
    return _ToLayout.apply(x, layout)


def module_layout(module: torch.nn.Module) -> torch.memory_format:
    """The layout of ``module``'s first 4-d parameter with a kernel larger than 1 x 1 (where a 1 x 1
    kernel's memory is both layouts at once), or contiguous where it has none."""
    for parameter in module.parameters():
        if parameter.ndim == 4 and parameter.shape[-2:].numel() > 1:
            return memory_layout(parameter)
    return torch.contiguous_format


def lay_out_convs(module: torch.nn.Module, layout: torch.memory_format) -> torch.nn.Module:
    """``module``'s 4-d tensors with a kernel larger than 1 x 1 (conv weights) in memory ``layout``, in
    place; returns ``module``. Unlike ``module.to(memory_format=...)`` it leaves a 1 x 1 kernel's
    standard strides alone: such a weight is both layouts at once, but given channels-last strides its
    gradient (which a conv returns with standard ones) no longer matched DDP's bucket views, and every
    backward warned "Grad strides do not match bucket view strides"."""

    def convert(tensor: torch.Tensor) -> torch.Tensor:
        if tensor.ndim == 4 and tensor.shape[-2:].numel() > 1:
            return tensor.contiguous(memory_format=layout)
        return tensor

    return module._apply(convert)
