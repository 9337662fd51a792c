"""Convs of a one-hot label map (SPADE's first conv, the discriminator's first conv), computed
from label codes, with their gradient.

The map's per-pixel codes and conv windows are `gaugan.label_codes`: a conv with stride s and
zero padding p is, at each output pixel, k*k row reads of a table that is just W rearranged
(``code_vectors @ W``), so W's gradient is the scatter-add of the output gradient into the rows
that were read. The codes are resized once per resolution (`LabelCodes`) instead of the
(N, K + E, H, W) float map in every layer. (`gaugan.fast` reads the same tables for inference,
with folded weights and no gradients.) It is the same function as the reference conv (only the
summation order differs), so it can be used in training: gradients reach W and b exactly as
through the conv.

Why a custom backward: ``embedding_bag``'s CPU backward sorts all N*H*W*k*k indices, and
``index_add_`` is no better (measured on our 2-core CPU at 128x128: each cost more than the
conv's whole weight gradient). `_TapSums` turns it into one sparse @ dense product.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.label_codes import LabelCodes, Windows, code_vectors


def lookup_table(maps: LabelCodes, weight: torch.Tensor) -> torch.Tensor:
    """(k*k * (num_codes + 1), O): row t * (num_codes + 1) + code = what the conv adds at tap t.

    One product ``code vectors @ W``, so the lookup's gradient reaches ``weight`` (O, K + E, k, k)
    through one matmul; built from slices and concatenations it took ~10 small ops per layer,
    each costing several ms on a busy 2-core machine.
    """
    out_channels, in_channels, k, _ = weight.shape
    key = ("code_vectors", weight.dtype, weight.device)
    if key not in maps.derived:
        maps.derived[key] = code_vectors(maps.num_classes, maps.num_extras, weight.dtype, weight.device)
    # In the weight's precision even under autocast: a lookup has no fast low-precision path
    # to gain, and the sparse backward needs one dtype throughout.
    with torch.autocast(weight.device.type, enabled=False):
        table = torch.einsum("ci,oit->tco", maps.derived[key], weight.view(out_channels, in_channels, k * k))
    return table.reshape(-1, out_channels)


def table_reads(windows: Windows, dtype: torch.dtype) -> torch.Tensor:
    """Sparse (rows, N*H*W) 0/1 matrix: which table rows each pixel reads (k*k per pixel).

    Left uncoalesced: sorting the indices costs more than the product (a 2-thread sort of
    ~600,000 indices took 0.2 s here, on a loaded CPU), and the CPU product does not need it.
    """
    key = ("reads", dtype)
    if key not in windows.derived:
        index = windows.tap_index()
        pixels, taps = index.shape
        columns = torch.arange(pixels, device=index.device).repeat_interleave(taps)
        indices = torch.stack([index.reshape(-1), columns])
        ones = torch.ones(indices.size(1), dtype=dtype, device=index.device)
        windows.derived[key] = torch.sparse_coo_tensor(indices, ones, (windows.rows, pixels), check_invariants=False)
    return windows.derived[key]


class _TapSums(torch.autograd.Function):
    """out[p] = bias + sum over taps t of table[index[p, t]]: (rows, O) table, (O,) bias -> (N*H*W, O).

    Backward: the table's gradient sums the output gradient over the pixels that read each row,
    a sparse (rows x pixels) @ dense (pixels x O) product with k*k nonzeros per pixel, instead of
    the conv's dense (K x pixels) @ (pixels x O) weight gradient.
    """

    @staticmethod
    def forward(ctx, table: torch.Tensor, bias: torch.Tensor | None, windows: Windows) -> torch.Tensor:
        ctx.windows = windows
        ctx.has_bias = bias is not None
        out = F.embedding_bag(windows.tap_index(), table, mode="sum")
        return out if bias is None else out.add_(bias)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        windows: Windows = ctx.windows
        grad = grad.contiguous()
        grad_table = torch.sparse.mm(table_reads(windows, grad.dtype), grad)
        return grad_table, grad.sum(dim=0) if ctx.has_bias else None, None


def onehot_conv(conv: nn.Conv2d, maps: LabelCodes, size: tuple[int, int], weight: torch.Tensor | None = None,
                channels_last: bool = False) -> torch.Tensor:
    """``conv(resize(semantic map, size))`` from codes: (N, O, H_out, W_out), differentiable in
    conv's weight and bias.

    ``conv`` must have a square kernel, dilation 1 and equal zero padding on all sides (any
    stride), and take the map's K + E channels; or pass ``weight`` (O, K + E, k, k), a slice of
    a conv weight that also reads other channels (the conv's stride, padding and bias are used).
    ``channels_last``: return the lookup's own (N, H, W, O) memory as a channels-last view instead
    of an NCHW copy, for a caller that only feeds it to convs (the same values).
    """
    weight = conv.weight if weight is None else weight  # (O, K + E, k, k)
    out_channels, in_channels, k, k2 = weight.shape
    num_classes = maps.num_classes
    if in_channels != num_classes + maps.num_extras:
        raise ValueError(f"conv takes {in_channels} channels, the label map has {num_classes} + {maps.num_extras}")
    stride, padding = conv.stride[0], conv.padding
    if (
        k != k2
        or tuple(conv.stride) != (stride, stride)
        or tuple(conv.dilation) != (1, 1)
        or isinstance(padding, str)
        or padding[0] != padding[1]
        or conv.padding_mode != "zeros"
        or conv.groups != 1
    ):
        raise ValueError(f"onehot_conv needs a square kernel, equal zero padding on all sides, dilation 1, got {conv}")
    p = padding[0]
    level = maps.at(size)
    windows = level.windows(k, stride, p)
    n, h, w = windows.shape
    out = _TapSums.apply(lookup_table(maps, weight), conv.bias, windows)
    # By default NCHW memory, like the conv it replaces: left as a channels_last view, every later
    # elementwise op with NCHW tensors (SPADE's x * (1 + gamma), its gradient) took a slow
    # mixed-stride path, ~29 ms instead of ~5 ms per 128 x 256 x 256 product on our CPU.
    out = out.view(n, h, w, out_channels).permute(0, 3, 1, 2)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    out = out.contiguous(memory_format=memory_format)  # a no-op for channels_last
    extras = level.extras
    if extras is not None:
        extras = extras.to(weight.dtype).contiguous(memory_format=memory_format)
        out = out + F.conv2d(extras, weight[:, num_classes:], stride=stride, padding=p)
    return out
