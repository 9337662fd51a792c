"""The SPADE layer: spatially-adaptive (de)normalisation.

    SPADE(x, m) = norm(x) * (1 + gamma(m)) + beta(m)

``norm`` has no learned parameters (sync-batch, batch or instance); ``gamma`` and ``beta`` are
per-pixel, per-channel maps predicted from the label map ``m`` (resized with nearest neighbour to
x's size) by a small shared conv + ReLU followed by one conv each. Because the label map enters
*after* normalisation, a uniform label map still changes the output, unlike a network that only
sees the label map at its input (the paper's Figure 3).

Inference folds the layer (`SPADE.fold`, next to the forward it must equal): with a batch norm in
eval mode, ``BN(x) = x * s + t`` per channel (`gaugan.nn.folding.norm_affine`), so

    SPADE(x) = x * [s (1 + gamma)] + [t (1 + gamma) + beta]

and gamma, beta are convs of the same hidden map, so both brackets are one conv each: weights
[s W_gamma ; W_beta + t W_gamma], biases [s (1 + b_gamma) ; b_beta + t (1 + b_gamma)], and the
layer becomes ``x * a + b``. Instance norm is kept, and only ``1 + gamma`` folds into the bias.
`gaugan.fast` and the ONNX graph are built from the fold, and check themselves against this
module's forward when built.

The label map may also come as `LabelCodes` (per-pixel codes resized once per resolution); the shared
conv is then computed by table lookups (`gaugan.nn.label_lookup`): the same function and
gradients, without resizing and convolving the full one-hot map in every layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.label_codes import LabelCodes
from gaugan.nn.folding import eval_weights, norm_fold
from gaugan.nn.label_lookup import onehot_conv
from gaugan.nn.memory_layout import memory_layout
from gaugan.nn.modulate import modulate
from gaugan.nn.norms import param_free_norm

KERNEL_SIZES = (1, 3, 5)


@dataclass
class FoldedSPADE:
    """SPADE in eval mode as ``norm(x) * a + b`` with [a; b] = conv(hidden; weight, bias).

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


def _bf16_on_cpu(device: torch.device) -> bool:
    """Whether convs on ``device`` run under CPU bf16 autocast, where oneDNN's channels-last bf16 convs
    run 2.5-9x faster forward and backward-data than NCHW ones on CPUs with AVX512-BF16 / AMX (backward-
    weight 1.1-1.8x): SPADE's gamma and beta convs at
    128 -> 128 channels, 256 x 256, forward 66 ms NCHW against 11 ms channels-last (2 threads, AMX
    Xeon), and the coco-256 bf16 training step 3.29 -> 2.79 s. In an NCHW model's fp32 step that
    gained nothing (5.32 against 5.45 s), so there fp32 keeps NCHW; a channels-last model
    (`gaugan.train.layout`) keeps the hidden map channels-last in either precision."""
    return device.type == "cpu" and torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16


class SPADE(nn.Module):
    """Spatially-adaptive normalisation of an (N, C, H, W) activation by an (N, L, H', W') label map.

    Args:
        norm_channels: C, channels of the activation being normalised.
        label_channels: L, channels of the semantic input (one-hot classes [+ don't-care] [+ edge]).
        norm: parameter-free norm, "syncbatch" | "batch" | "instance".
        kernel_size: 1, 3 or 5 for every conv of the modulation network.
        hidden: channels of the shared modulation conv (128 in the paper).
    """

    def __init__(
        self,
        norm_channels: int,
        label_channels: int,
        norm: str = "syncbatch",
        kernel_size: int = 3,
        hidden: int = 128,
    ) -> None:
        super().__init__()
        if kernel_size not in KERNEL_SIZES:
            raise ValueError(f"SPADE kernel size must be one of {KERNEL_SIZES}, got {kernel_size}")
        padding = kernel_size // 2
        self.param_free_norm = param_free_norm(norm, norm_channels)
        self.mlp_shared = nn.Sequential(
            nn.Conv2d(label_channels, hidden, kernel_size, padding=padding),
            nn.ReLU(),
        )
        self.mlp_gamma = nn.Conv2d(hidden, norm_channels, kernel_size, padding=padding)
        self.mlp_beta = nn.Conv2d(hidden, norm_channels, kernel_size, padding=padding)

    def modulation(self, segmap: torch.Tensor | LabelCodes, size: tuple[int, int],
                   layout: torch.memory_format = torch.contiguous_format) -> tuple[torch.Tensor, torch.Tensor]:
        """gamma, beta: each (N, C, *size) in memory ``layout``, from a label map resized (nearest) to ``size``."""
        if isinstance(segmap, LabelCodes):
            nhwc = layout == torch.channels_last or _bf16_on_cpu(segmap.device)
            # The lookup's memory is (N, H, W, hidden): kept for the convs where they run channels-last.
            hidden = self.mlp_shared[1](onehot_conv(self.mlp_shared[0], segmap, size, channels_last=nhwc))
        else:
            if segmap.shape[-2:] != size:
                segmap = F.interpolate(segmap, size=size, mode="nearest")
            hidden = self.mlp_shared(segmap)
        # The modulation's products take gamma and beta in x's layout (a no-op where they have it).
        return self.mlp_gamma(hidden).contiguous(memory_format=layout), self.mlp_beta(hidden).contiguous(memory_format=layout)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor | LabelCodes) -> torch.Tensor:
        """x: (N, C, H, W); segmap: (N, L, H', W') or its `LabelCodes` -> (N, C, H, W)."""
        normalized = self.param_free_norm(x)
        gamma, beta = self.modulation(segmap, tuple(x.shape[-2:]), memory_layout(normalized))
        return modulate(normalized, gamma, beta, residual=True)

    def fold(self) -> FoldedSPADE:
        """This layer's eval-mode function with its norm and gamma/beta convs folded (module doc);
        CPU copies in the weights' dtype, computed in float64."""
        shared_weight, shared_bias = eval_weights(self.mlp_shared[0])
        w_gamma, b_gamma = (t.to(torch.float64) for t in eval_weights(self.mlp_gamma))
        w_beta, b_beta = (t.to(torch.float64) for t in eval_weights(self.mlp_beta))
        s, t, kept_norm = norm_fold(self.param_free_norm, b_gamma.numel())
        per_channel = (-1, 1, 1, 1)
        weight = torch.cat([s.view(per_channel) * w_gamma, w_beta + t.view(per_channel) * w_gamma])
        bias = torch.cat([s * (1 + b_gamma), b_beta + t * (1 + b_gamma)])
        dtype = shared_weight.dtype
        return FoldedSPADE(shared_weight, shared_bias, weight.to(dtype), bias.to(dtype), kept_norm)
