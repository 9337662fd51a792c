"""CLADE: class-adaptive (de)normalisation (Tan et al., "Efficient Semantic Image Synthesis via
Class-Adaptive Normalization", TPAMI 2021), its residual block, and its positional encoding.

    CLADE(x, m) = norm(x) * gamma[c] + beta[c],      c = the class of each pixel of m

``gamma`` and ``beta`` are learned (num_classes, C) tables: looking a row up per pixel is exactly a
1x1 bias-free conv of the one-hot map with weight ``gamma.T``, without the C_in = num_classes
multiply-adds per output. The paper's observation is that SPADE's benefit comes mostly from this
semantic awareness, not from its spatially varying conv network, so CLADE keeps the former at a
small fraction of the parameters and compute.

CLADE-ICPE ("intra-class positional encoding") restores some spatial variation inside a class:
every connected region of a class gets a 2-channel map of each pixel's offset from the region's
centroid (rows, columns), each divided by the largest absolute offset in that region, so it lies
in [-1, 1] and is 0 at the centre. Two 1x1 convs (2 -> 1) of that map scale the looked-up
parameters: gamma * (1 + conv_g(P)) and beta * (1 + conv_b(P)).

Inference folds the layer (`CLADE.fold`, next to the forward it must equal): with a batch norm in
eval mode, ``BN(x) = x * s + t`` per channel (`gaugan.nn.folding.norm_affine`), so

    CLADE(x) = (x * s + t) * gamma[c] + beta[c] = x * A[c] + B[c],   A = s * gamma,  B = t * gamma + beta

one row of a (K, 2C) table [A | B] per pixel. With ICPE, gamma and beta are scaled per pixel by
``g = 1 + conv_g(P)`` and ``h = 1 + conv_b(P)``: ``x * (A g) + (t gamma) g + beta h``, three tables.

Instance edges: as in the official code, the edge channel is not a class. It does not modulate;
a 1x1 conv of the edge map is concatenated to CLADE's output as one more channel, so the convs
that follow take C + 1 input channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.label_codes import resize_nearest
from gaugan.nn.blocks import ModulatedResnetBlock
from gaugan.nn.class_rows import ClassRows, class_rows  # noqa: F401  (class_rows: re-exported)
from gaugan.nn.folding import eval_weights, norm_fold, plain_conv
from gaugan.nn.modulate import modulate
from gaugan.nn.norms import param_free_norm
from gaugan.nn.spectral import spectral
from gaugan.semantics import channel_index_sum


class ClassLabels(NamedTuple):
    """What CLADE layers read from the semantic input, at full resolution.

    Attributes:
        ids: (N, H, W) int64 class of each pixel (the argmax of the one-hot channels).
        edges: (N, 1, H, W) instance-edge map, or None.
        positions: (N, 2, H, W) ICPE map (`intra_class_positions`), or None.
    """

    ids: torch.Tensor
    edges: torch.Tensor | None = None
    positions: torch.Tensor | None = None

    @classmethod
    def from_semantics(cls, semantics: torch.Tensor, edge_channel: bool, positional_encoding: bool) -> "ClassLabels":
        """(N, K [+ 1 edge], H, W) semantic input -> ids, edges, positions.

        ids is the argmax over the K class channels, as in the official code (an all-zero pixel
        counts as class 0). The semantic input is one-hot (`semantic_input` builds it so), and for
        one-hot channels the argmax equals sum_k k * onehot_k (`channel_index_sum`, much faster
        on CPU than ``argmax(dim=1)``).
        """
        classes = semantics[:, :-1] if edge_channel else semantics
        ids = channel_index_sum(classes).round().long()
        edges = semantics[:, -1:] if edge_channel else None
        return cls(ids, edges, intra_class_positions(ids) if positional_encoding else None)


@dataclass
class FoldedCLADE:
    """CLADE in eval mode: ``x' = norm(x)``, rows = table[c] per pixel, then
    ``x' * rows[:C] + rows[C:2C]`` (+ ICPE: ``x' * A g + (t gamma) g + beta h``, see the module doc).

    Attributes:
        table: (K, 2C) [A | B], or (K, 3C) [A | t gamma | beta] with positional encoding.
        norm: the parameter-free norm still to apply to x, or None when folded in.
        position_gamma, position_beta: plain 1x1 convs (2 -> 1) of the ICPE map, or None.
        edge_scale, edge_shift: the edge feature ``e * scale + shift``, or None without edges.
    """

    table: torch.Tensor
    norm: nn.Module | None
    position_gamma: nn.Conv2d | None
    position_beta: nn.Conv2d | None
    edge_scale: float | None
    edge_shift: float | None


class CLADE(nn.Module):
    """Class-adaptive normalisation: (N, C, H, W) -> (N, C [+ 1 edge feature], H, W).

    Args:
        norm_channels: C.
        num_classes: one-hot channels of the semantic input (classes + don't-care).
        norm: parameter-free norm, "syncbatch" | "batch" | "instance".
        edge_channel: append a 1x1 conv of the instance-edge map as one more output channel.
        positional_encoding: modulate gamma, beta by the ICPE map (CLADE-ICPE).
    """

    def __init__(
        self,
        norm_channels: int,
        num_classes: int,
        norm: str = "syncbatch",
        edge_channel: bool = False,
        positional_encoding: bool = False,
    ) -> None:
        super().__init__()
        self.param_free_norm = param_free_norm(norm, norm_channels)
        # The official initialisation: scales U(0, 1), so classes differ from the first step; shifts 0.
        self.gamma = nn.Parameter(torch.rand(num_classes, norm_channels))
        self.beta = nn.Parameter(torch.zeros(num_classes, norm_channels))
        self.edge_channel = edge_channel
        self.positional_encoding = positional_encoding
        if positional_encoding:
            self.position_gamma = nn.Conv2d(2, 1, 1)
            self.position_beta = nn.Conv2d(2, 1, 1)
        if edge_channel:
            self.edge_conv = nn.Conv2d(1, 1, 1)

    def modulation(self, labels: ClassLabels, size: tuple[int, int], dtype: torch.dtype | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """gamma, beta: each (N, C, *size) in channels-last memory (`gaugan.nn.class_rows`), in
        ``dtype`` (the tables' own by default)."""
        lookup = ClassRows(resize_nearest(labels.ids, size), self.gamma.size(0), dtype or self.gamma.dtype)
        gamma, beta = lookup.rows(self.gamma), lookup.rows(self.beta)
        if self.positional_encoding:
            if labels.positions is None:
                raise ValueError("this CLADE layer uses positional encoding: ClassLabels.positions is missing")
            positions = resize_nearest(labels.positions, size)
            gamma = gamma * (1 + self.position_gamma(positions))
            beta = beta * (1 + self.position_beta(positions))
        return gamma, beta

    def forward(self, x: torch.Tensor, labels: ClassLabels) -> torch.Tensor:
        """x: (N, C, H, W); labels at any resolution (resized by nearest here)."""
        size = tuple(x.shape[-2:])
        normalized = self.param_free_norm(x)
        # In x's precision: under bf16 autocast, fp32 tables would promote the product (and every
        # elementwise op after it) to fp32, only for the next conv to cast it back.
        gamma, beta = self.modulation(labels, size, normalized.dtype)
        out = modulate(normalized, gamma, beta)
        if self.edge_channel:
            if labels.edges is None:
                raise ValueError("this CLADE layer uses an instance-edge channel: ClassLabels.edges is missing")
            edge = self.edge_conv(resize_nearest(labels.edges, size))  # (N, 1, H, W)
            out = _append_channel(out, edge)
        return out

    def fold(self) -> FoldedCLADE:
        """This layer's eval-mode function as per-class tables (module doc): CPU copies in the
        tables' dtype, computed in float64."""
        gamma = self.gamma.detach().to("cpu", torch.float64)  # (K, C)
        beta = self.beta.detach().to("cpu", torch.float64)
        s, t, norm = norm_fold(self.param_free_norm, gamma.size(1))
        if self.positional_encoding:
            table = torch.cat([s * gamma, t * gamma, beta], dim=1)
            position_gamma, position_beta = plain_conv(self.position_gamma), plain_conv(self.position_beta)
        else:
            table = torch.cat([s * gamma, t * gamma + beta], dim=1)
            position_gamma = position_beta = None
        edge_scale = edge_shift = None
        if self.edge_channel:
            weight, bias = eval_weights(self.edge_conv)
            edge_scale, edge_shift = float(weight.flatten()[0]), float(bias[0])
        return FoldedCLADE(table.to(self.gamma.dtype), norm, position_gamma, position_beta, edge_scale, edge_shift)


def _append_channel(x: torch.Tensor, channel: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) channels-last x, (N, 1, H, W) -> (N, C + 1, H, W) in channels-last memory.

    ``torch.cat(dim=1)`` would return NCHW memory here: a 1-channel tensor's strides count as
    contiguous, so the inputs' formats disagree. Every conv and elementwise op after it would
    then run NCHW, and the backward of each class-row lookup (`gaugan.nn.class_rows`) would copy
    its gradient into (N, H, W, C) order: the landscapes-128 training step (edge channel, 2
    threads) took 0.50 s instead of 0.40 in bf16, 0.73 instead of 0.60 in fp32. Concatenating
    along the last axis of (N, H, W, C) views keeps NHWC.
    """
    if not x.is_contiguous(memory_format=torch.channels_last):
        return torch.cat([x, channel], dim=1)
    joined = torch.cat([x.permute(0, 2, 3, 1), channel.permute(0, 2, 3, 1)], dim=3)  # (N, H, W, C + 1)
    return joined.permute(0, 3, 1, 2)


class CLADEResnetBlock(ModulatedResnetBlock):
    """The SPADE residual block with CLADE in place of SPADE: (N, fin, H, W) -> (N, fout, H, W).

    [CLADE, LReLU(0.2), conv3x3] x 2 plus the identity or a learned [CLADE, conv1x1] shortcut;
    with an edge channel every conv takes one more input channel (see the module docstring).
    """

    def __init__(
        self,
        fin: int,
        fout: int,
        num_classes: int,
        norm: str = "syncbatch",
        edge_channel: bool = False,
        positional_encoding: bool = False,
        spectral_norm: bool = True,
    ) -> None:
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        extra = int(edge_channel)
        options = (num_classes, norm, edge_channel, positional_encoding)
        self.norm_0 = CLADE(fin, *options)
        self.norm_1 = CLADE(fmiddle, *options)
        self.conv_0 = spectral(nn.Conv2d(fin + extra, fmiddle, 3, padding=1), spectral_norm)
        self.conv_1 = spectral(nn.Conv2d(fmiddle + extra, fout, 3, padding=1), spectral_norm)
        if self.learned_shortcut:
            self.norm_s = CLADE(fin, *options)
            self.conv_s = spectral(nn.Conv2d(fin + extra, fout, 1, bias=False), spectral_norm)


def connected_components(ids: torch.Tensor) -> torch.Tensor:
    """Label 8-connected regions of equal id: (N, H, W) ids -> (N, H, W) int64 region labels.

    Each region gets the smallest flat index (into N*H*W) of its pixels. A label is always the
    index of a pixel of the same region with a smaller or equal index (a "root" once chains are
    followed to their end). Each round, every pixel finds the smallest label among its same-id
    neighbours and hands it both to itself and to its current root (so whole trees merge at
    once, not a pixel-wide front per round); then every pixel follows labels-of-labels to its
    new root (pointer jumping). Rounds stop when nothing changes.
    """
    n, h, w = ids.shape
    outside = n * h * w
    padded_ids = F.pad(ids, (1, 1, 1, 1), value=-1)
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    same = [padded_ids[:, 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] == ids for dy, dx in shifts]
    labels = torch.arange(outside, device=ids.device)
    while True:
        padded = F.pad(labels.view(n, h, w), (1, 1, 1, 1), value=outside)
        smallest = labels.view(n, h, w)
        for (dy, dx), mask in zip(shifts, same):
            neighbour = padded[:, 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
            smallest = torch.where(mask, torch.minimum(smallest, neighbour), smallest)
        smallest = smallest.reshape(-1)
        merged = torch.minimum(labels, smallest).scatter_reduce_(0, labels, smallest, reduce="amin")
        while not torch.equal(jumped := merged[merged], merged):
            merged = jumped
        if torch.equal(merged, labels):
            return labels.view(n, h, w)
        labels = merged


def intra_class_positions(ids: torch.Tensor) -> torch.Tensor:
    """The ICPE map of CLADE-ICPE: (N, H, W) class ids -> (N, 2, H, W) float32 in [-1, 1].

    Channel 0: (row - region's centroid row) / (largest |row offset| in the region); channel 1
    the same for columns; 0 where a region is one pixel thick along that axis.
    """
    n, h, w = ids.shape
    region = torch.unique(connected_components(ids), return_inverse=True)[1].reshape(-1)
    count = torch.bincount(region).to(torch.float64)
    # float64: coordinate sums over a large region exceed float32's exact integers (2**24).
    rows = torch.arange(h, device=ids.device, dtype=torch.float64).view(1, h, 1).expand(n, h, w).reshape(-1)
    cols = torch.arange(w, device=ids.device, dtype=torch.float64).view(1, 1, w).expand(n, h, w).reshape(-1)
    channels = []
    for coordinate in (rows, cols):
        centre = torch.bincount(region, weights=coordinate) / count
        offset = coordinate - centre[region]
        reach = torch.zeros_like(centre).scatter_reduce_(0, region, offset.abs(), reduce="amax")
        channels.append(offset / reach.clamp(min=1e-6)[region])
    return torch.stack(channels).view(2, n, h, w).transpose(0, 1).to(torch.float32).contiguous()
