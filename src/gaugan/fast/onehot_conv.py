"""A convolution of a one-hot label map, computed as a table lookup per kernel tap.

For a one-hot input, ``conv2d(onehot, W, b, padding=k // 2)`` at a pixel is

    b + sum over taps t of W[:, class at (pixel + t), t]

so a table ``T[t, code] = W[:, :, t] @ (the input vector a code stands for)`` and one
``embedding_bag`` (sum over the k*k taps) replace a conv with C_in = 184 input channels: for
SPADE's first conv at 256x256 that is ~0.1 s instead of ~0.6 s on a 2-core CPU, and 111 of the
generator's 382 GFLOP disappear. Zero padding is exact: taps outside the image read the
``OUTSIDE`` row, which is zero. The bias lives in the centre-tap rows, which never fall outside.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.label_codes import Windows, code_vectors


class OneHotConv(nn.Module):
    """``conv(concat(one_hot(class), extras))`` for a stride-1 conv with padding k // 2.

    Args:
        weight: (O, K + E, k, k) effective conv weight (spectral norm already applied).
        bias: (O,) or None.
        num_classes: K, the one-hot channels; the remaining E input channels are extras.

    Buffers: ``table`` (k*k * (num_codes + 1), O), the rows `Windows` indexes (bias in the
    centre tap's rows, which never fall outside); ``uniform_values`` (num_codes + 1, O), the
    output inside a region of one code (the sum over taps; zero for OUTSIDE).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, num_classes: int) -> None:
        super().__init__()
        out_channels, in_channels, k, k2 = weight.shape
        if k != k2 or k % 2 == 0:
            raise ValueError(f"expected an odd square kernel, got {k}x{k2}")
        num_extras = in_channels - num_classes
        self.kernel_size = k
        self.num_codes = (num_classes + 1) * 2**num_extras
        taps = weight.detach().to(torch.float64).flatten(2).permute(2, 1, 0)  # (k*k, K + E, O)
        table = code_vectors(num_classes, num_extras) @ taps  # (k*k, num_codes + 1, O)
        if bias is not None:
            table[k * k // 2, : self.num_codes] += bias.detach().to(torch.float64)
        self.register_buffer("table", table.reshape(-1, out_channels).to(weight.dtype))
        self.register_buffer("uniform_values", table.sum(dim=0).to(weight.dtype))
        # Uncoded extras (non-binary edge maps) go through a plain conv instead.
        self.register_buffer("extra_weight", weight.detach()[:, num_classes:].clone() if num_extras else None)

    def at_pixels(self, windows: Windows, pixels: torch.Tensor) -> torch.Tensor:
        """(P,) flat pixels -> (P, O) conv outputs there, not counting uncoded extras."""
        codes = windows.padded_codes.index_select(0, windows.window_positions(pixels).view(-1)).view(pixels.numel(), -1)
        return F.embedding_bag(codes + windows.tap_offsets, self.table, mode="sum")

    def extras_term(self, windows: Windows) -> torch.Tensor:
        """(N, O, H, W): the conv of the uncoded extras alone (zero padding)."""
        return F.conv2d(windows.extras, self.extra_weight, padding=self.kernel_size // 2)

    def forward(self, windows: Windows) -> torch.Tensor:
        """The full conv output (N, O, H, W) at every pixel of ``windows`` (channels_last)."""
        n, h, w = windows.shape
        out = F.embedding_bag(windows.tap_index(), self.table, mode="sum").view(n, h, w, -1).permute(0, 3, 1, 2)
        if windows.extras is not None:
            out = out + self.extras_term(windows)
        return out
