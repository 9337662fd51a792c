"""Convs of a one-hot label map (SPADE's first conv, the discriminator's first conv), computed
from class ids, with their gradient.

For a one-hot map (K class channels, then one extra channel: the instance-edge map, or the last
class's own channel) a conv with stride s and zero padding p is, at output pixel q,

    conv(m)(q) = b + sum over taps t of W[:, class(s q + t - p), t] + conv(extras)(q)

so it is k*k row lookups in a table that is just W rearranged (`onehot_conv`), and W's gradient is
the scatter-add of the output gradient into the rows that were read. The class-id map is resized
once per resolution (`ClassIdMaps`) instead of the (N, K + E, H, W) float map in every layer.
(`gaugan.fast` does the same for inference, with folded weights and no gradients.)
It is the same function as the reference conv (only the summation order differs), so it can be
used in training: gradients reach W and b exactly as through the conv.

Why a custom backward: ``embedding_bag``'s CPU backward sorts all N*H*W*k*k indices, and
``index_add_`` is no better (measured on our 2-core CPU at 128x128: each cost more than the
conv's whole weight gradient). `_TapSums` turns it into one sparse @ dense product.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.semantics import channel_index_sum


def class_ids_of(semantics: torch.Tensor, num_classes: int) -> torch.Tensor | None:
    """(N, C, H, W) semantic input -> (N, H, W) int64 ids of its first ``num_classes`` channels,
    ``num_classes`` where they are all zero; None unless those channels are one-hot or zero.

    Three passes over the map (sum, weighted sum, min) instead of per-value 0/1 tests: entries
    that are >= 0, sum to 0 or 1, and hold a 1 at the weighted-sum index are one-hot.
    """
    onehot = semantics[:, :num_classes]
    total = onehot.sum(dim=1)
    ids = channel_index_sum(onehot).round().long().clamp_(0, num_classes - 1)
    at_id = onehot.gather(1, ids.unsqueeze(1)).squeeze(1)
    one_hot = (total == 0) | ((total == 1) & (at_id == 1))
    if onehot.numel() and (bool(onehot.amin() < 0) or not bool(one_hot.all())):
        return None
    return torch.where(total == 0, num_classes, ids)


class ClassIdMaps:
    """A semantic input as per-pixel integer codes, each resized once per resolution.

    The first K channels must be one-hot or all zero (id K: no class); the last channel (the
    instance-edge map, or the last class's own one-hot channel) is an *extra*. When the extra is
    0/1 everywhere it is folded into the code, ``code = 2 * id + extra``, so that a table lookup
    covers the whole conv; otherwise it stays a float map and goes through a 1-channel conv.
    Everything derived from the codes at one resolution (the resized map, the gather index, the
    sparse matrix of the backward) is computed once and shared by all layers at that resolution.

    Args:
        ids: (N, H, W) int64 in 0..num_classes.
        extras: (N, 1, H, W) float last channel, or None.
        num_classes: K, the one-hot channels the ids stand for.
    """

    def __init__(self, ids: torch.Tensor, extras: torch.Tensor | None, num_classes: int) -> None:
        self.num_classes = num_classes
        self.num_extras = 0 if extras is None else extras.size(1)
        self.coded = extras is None or (extras.size(1) == 1 and bool(((extras == 0) | (extras == 1)).all()))
        self.codes_per_class = 2 if extras is not None and self.coded else 1
        self.num_codes = (num_classes + 1) * self.codes_per_class
        codes = ids * self.codes_per_class
        if self.codes_per_class == 2:
            codes = codes + extras[:, 0].long()
        self.full_size = tuple(ids.shape[-2:])
        self._levels = {self.full_size: (codes, None if self.coded else extras)}
        self._windows: dict[tuple, TapWindows] = {}
        self._code_vectors: dict[tuple, torch.Tensor] = {}

    @classmethod
    def from_semantics(cls, semantics: torch.Tensor) -> "ClassIdMaps | None":
        """None unless all channels but the last are one-hot or zero at every pixel."""
        channels = semantics.size(1)
        if channels == 1:
            ids = class_ids_of(semantics, 1)
            return None if ids is None else cls(ids, None, 1)
        ids = class_ids_of(semantics, channels - 1)
        return None if ids is None else cls(ids, semantics[:, channels - 1 :], channels - 1)

    def at(self, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """codes (N, *size) and uncoded extras (N, 1, *size) or None, resized like
        F.interpolate(mode="nearest") resizes the semantic map."""
        size = (int(size[0]), int(size[1]))
        if size not in self._levels:
            codes, extras = self._levels[self.full_size]
            # Nearest only copies pixels, and codes < 2**24 are exact in float32 (integer tensors
            # have no CPU interpolate kernel), so these are the resized map's codes.
            codes = F.interpolate(codes.unsqueeze(1).to(torch.float32), size=size, mode="nearest").squeeze(1).long()
            extras = None if extras is None else F.interpolate(extras, size=size, mode="nearest")
            self._levels[size] = (codes, extras)
        return self._levels[size]

    def windows(self, size: tuple[int, int], kernel_size: int, stride: int = 1, padding: int | None = None) -> "TapWindows":
        """The conv windows over the codes at ``size`` (padding defaults to kernel_size // 2)."""
        padding = kernel_size // 2 if padding is None else padding
        key = ((int(size[0]), int(size[1])), kernel_size, stride, padding)
        if key not in self._windows:
            outside = self.num_classes * self.codes_per_class  # no class, no extra: a zero row
            self._windows[key] = TapWindows(self.at(key[0])[0], self.num_codes, outside, kernel_size, stride, padding)
        return self._windows[key]

    def table(self, weight: torch.Tensor) -> torch.Tensor:
        """(k*k * num_codes, O): row t * num_codes + code = what the conv adds at tap t for a code.

        One product ``code vectors @ W`` (a code's vector: its one-hot class and its extra bit),
        so the lookup's gradient reaches ``weight`` (O, K + E, k, k) through one matmul; built
        from slices and concatenations it took ~10 small ops per layer, each costing several ms
        on a busy 2-core machine.
        """
        out_channels, in_channels, k, _ = weight.shape
        key = (weight.dtype, weight.device, in_channels)
        if key not in self._code_vectors:
            code = torch.arange(self.num_codes, device=weight.device)
            ids, bits = code // self.codes_per_class, code % self.codes_per_class
            vectors = torch.zeros(self.num_codes, in_channels, dtype=weight.dtype, device=weight.device)
            is_class = ids < self.num_classes
            vectors[code[is_class], ids[is_class]] = 1
            if self.codes_per_class == 2:
                vectors[:, self.num_classes] = bits.to(weight.dtype)
            self._code_vectors[key] = vectors
        # In the weight's precision even under autocast: a lookup has no fast low-precision path
        # to gain, and the sparse backward needs one dtype throughout.
        with torch.autocast(weight.device.type, enabled=False):
            table = torch.einsum("ci,oit->tco", self._code_vectors[key], weight.view(out_channels, in_channels, k * k))
        return table.reshape(-1, out_channels)


class TapWindows:
    """The k x k windows of a conv (stride s, zero padding p) over a code map, as rows of the
    tap-major table.

    ``index``: (N*H_out*W_out, k*k), entry [q, t] = t * num_codes + code at tap t of output
    pixel q's window (``outside`` past the image border); ``shape``: (N, H_out, W_out).
    """

    def __init__(self, codes: torch.Tensor, num_codes: int, outside: int, kernel_size: int, stride: int = 1, padding: int | None = None) -> None:
        k, s = kernel_size, stride
        p = k // 2 if padding is None else padding
        n, h, w = codes.shape
        h_out, w_out = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        self.shape = (n, h_out, w_out)
        self.rows = k * k * num_codes
        padded = F.pad(codes, (p, p, p, p), value=outside)
        offsets = torch.arange(k * k, device=codes.device) * num_codes
        taps = [padded[:, dy : dy + s * (h_out - 1) + 1 : s, dx : dx + s * (w_out - 1) + 1 : s] for dy in range(k) for dx in range(k)]
        self.index = (torch.stack(taps, dim=-1) + offsets).view(-1, k * k)
        self._sparse: dict[torch.dtype, torch.Tensor] = {}

    def reads(self, dtype: torch.dtype) -> torch.Tensor:
        """Sparse (rows, N*H*W) 0/1 matrix: which table rows each pixel reads (k*k per pixel).

        Left uncoalesced: sorting the indices costs more than the product (a 2-thread sort of
        ~600,000 indices took 0.2 s here, on a loaded CPU), and the CPU product does not need it.
        """
        if dtype not in self._sparse:
            pixels, taps = self.index.shape
            columns = torch.arange(pixels, device=self.index.device).repeat_interleave(taps)
            indices = torch.stack([self.index.reshape(-1), columns])
            ones = torch.ones(indices.size(1), dtype=dtype, device=self.index.device)
            self._sparse[dtype] = torch.sparse_coo_tensor(indices, ones, (self.rows, pixels), check_invariants=False)
        return self._sparse[dtype]


class _TapSums(torch.autograd.Function):
    """out[p] = bias + sum over taps t of table[index[p, t]]: (rows, O) table, (O,) bias -> (N*H*W, O).

    Backward: the table's gradient sums the output gradient over the pixels that read each row,
    a sparse (rows x pixels) @ dense (pixels x O) product with k*k nonzeros per pixel, instead of
    the conv's dense (K x pixels) @ (pixels x O) weight gradient.
    """

    @staticmethod
    def forward(ctx, table: torch.Tensor, bias: torch.Tensor | None, windows: TapWindows) -> torch.Tensor:
        ctx.windows = windows
        ctx.has_bias = bias is not None
        out = F.embedding_bag(windows.index, table, mode="sum")
        return out if bias is None else out.add_(bias)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        windows: TapWindows = ctx.windows
        grad = grad.contiguous()
        grad_table = torch.sparse.mm(windows.reads(grad.dtype), grad)
        return grad_table, grad.sum(dim=0) if ctx.has_bias else None, None


def onehot_conv(conv: nn.Conv2d, maps: ClassIdMaps, size: tuple[int, int], weight: torch.Tensor | None = None) -> torch.Tensor:
    """``conv(resize(semantic map, size))`` from codes: (N, O, H_out, W_out), differentiable in
    conv's weight and bias.

    ``conv`` must have a square kernel, dilation 1 and equal zero padding on all sides (any
    stride), and take the map's K + E channels; or pass ``weight`` (O, K + E, k, k), a slice of
    a conv weight that also reads other channels (the conv's stride, padding and bias are used).
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
    windows = maps.windows(size, k, stride, p)
    n, h, w = windows.shape
    out = _TapSums.apply(maps.table(weight), conv.bias, windows)
    # NCHW memory, like the conv it replaces: left as a channels_last view, every later elementwise
    # op with NCHW tensors (SPADE's x * (1 + gamma), its gradient) took a slow mixed-stride path,
    # ~29 ms instead of ~5 ms per 128 x 256 x 256 product on our CPU.
    out = out.view(n, h, w, out_channels).permute(0, 3, 1, 2).contiguous()
    extras = maps.at(size)[1]
    if extras is not None:
        out = out + F.conv2d(extras.to(weight.dtype), weight[:, num_classes:], stride=stride, padding=p)
    return out
