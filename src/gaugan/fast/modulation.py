"""The SPADE layer for inference: lookups inside uniform regions, convolutions only where needed.

A folded SPADE layer (`SPADE.fold`) computes

    hidden = relu(conv_k(onehot))            -> a table lookup per tap (`OneHotConv`)
    [a; b] = conv_k(hidden)                  -> one fused conv
    out    = norm(x) * a + b                 (norm = identity when folded)

Both convs only see a label neighbourhood: hidden at a pixel depends on its k x k window of
codes, and [a; b] on the (2k-1) x (2k-1) window. Where that window is uniform (one code, all
inside the image) the result is a per-code constant, precomputed at construction. Label maps
are mostly region interiors, so ``interior_lookup`` computes hidden and [a; b] by convolution
only at the *irregular* pixels (near a class boundary or the image border) and looks the rest up.
This is the same function; only the floating-point summation order differs. The per-pixel
path is an im2col gather + matmul, which stops paying off when most pixels are irregular (small
resolutions): then the fused conv runs densely over the whole map.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.fast.onehot_conv import OneHotConv
from gaugan.label_codes import CodeLevel
from gaugan.nn.spade import FoldedSPADE

# Above this share of irregular pixels the dense fused conv is cheaper than gather + matmul: on
# a 2-core AVX2 CPU the conv ran at ~140 GFLOP/s, the matmul at ~110 plus a gather costing 10-30%
# of it. (At 256x256, thresholds from 0.5 to 1.0 timed the same within noise.)
DENSE_FRACTION = 0.7
# Rows of the im2col matrix built at once: bounds its memory (4096 x 9 x 128 floats = 19 MB).
CHUNK_ROWS = 4096


class FastSPADE(nn.Module):
    """``norm(x) * a + b`` with a, b from a label map: (N, C, H, W) -> (N, C, H, W).

    Args:
        folded: the layer's folded weights (`SPADE.fold`).
        num_classes: one-hot channels K of the semantic input.
        interior_lookup: look up a, b inside uniform regions instead of convolving everywhere.
    """

    def __init__(self, folded: FoldedSPADE, num_classes: int, interior_lookup: bool = True) -> None:
        super().__init__()
        self.shared = OneHotConv(folded.shared_weight, folded.shared_bias, num_classes)
        self.kernel_size = k = self.shared.kernel_size
        self.channels = folded.weight.size(0) // 2
        self.interior_lookup = interior_lookup
        self.norm = folded.norm
        self.gamma_beta = nn.Conv2d(folded.weight.size(1), folded.weight.size(0), k)  # applied to a pre-padded map
        with torch.no_grad():
            self.gamma_beta.weight.copy_(folded.weight)
            self.gamma_beta.bias.copy_(folded.bias)
        hidden = F.relu(self.shared.uniform_values.to(torch.float64))  # (num_codes + 1, hidden); OUTSIDE row = 0
        self.register_buffer("hidden_table", hidden.to(folded.weight.dtype))
        w = folded.weight.to(torch.float64)
        ab = hidden[:-1] @ w.sum(dim=(2, 3)).T + folded.bias.to(torch.float64)
        self.register_buffer("ab_table", ab.to(folded.weight.dtype))  # (num_codes, 2C)

    def hidden(self, level: CodeLevel) -> torch.Tensor:
        """(N * (H + 2p) * (W + 2p), hidden): relu(mlp_shared(labels)) on the zero-padded grid."""
        windows = level.windows(self.kernel_size)
        out = F.embedding(windows.padded_codes, self.hidden_table)
        pixels = windows.irregular(self.kernel_size // 2) if self.interior_lookup else torch.arange(windows.num_pixels, device=out.device)
        if pixels.numel():
            values = self.shared.at_pixels(windows, pixels)
            if windows.extras is not None:
                extras = self.shared.extras_term(windows).permute(0, 2, 3, 1).reshape(-1, values.size(1))
                values = values + extras[pixels]
            out.index_copy_(0, windows.centre_positions(pixels), F.relu(values))
        return out

    def modulation(self, level: CodeLevel) -> torch.Tensor:
        """[a; b]: (N, 2C, H, W), channels_last."""
        windows = level.windows(self.kernel_size)
        n, h, w = windows.shape
        hidden = self.hidden(level)
        irregular = windows.irregular(2 * (self.kernel_size // 2)) if self.interior_lookup else None
        if irregular is None or irregular.numel() > DENSE_FRACTION * windows.num_pixels:
            padded = hidden.view(*windows.padded_shape, -1).permute(0, 3, 1, 2)
            return self.gamma_beta(padded)
        ab = F.embedding(level.codes.reshape(-1), self.ab_table)
        if irregular.numel():
            weight = self.gamma_beta.weight.permute(2, 3, 1, 0).reshape(-1, 2 * self.channels)  # (k*k*hidden, 2C)
            for start in range(0, irregular.numel(), CHUNK_ROWS):
                pixels = irregular[start : start + CHUNK_ROWS]
                columns = hidden.index_select(0, windows.window_positions(pixels).view(-1)).view(pixels.numel(), -1)
                values = torch.addmm(self.gamma_beta.bias, columns, weight)  # columns: (P, k*k*hidden)
                ab.index_copy_(0, pixels, values.to(ab.dtype))  # bf16 under autocast
        return ab.view(n, h, w, -1).permute(0, 3, 1, 2)

    def forward(self, x: torch.Tensor, level: CodeLevel) -> torch.Tensor:
        """x: (N, C, H, W); level: the label codes at (H, W)."""
        ab = self.modulation(level)
        if self.norm is not None:
            x = self.norm(x)
        return torch.addcmul(ab[:, self.channels :], x, ab[:, : self.channels])
