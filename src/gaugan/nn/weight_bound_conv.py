"""A Conv2d that computes its weight-bound calls as one matrix product (unfold + matmul).

At the paper's width (ngf 64) the decoder's first blocks run 3x3 convs of 1024 -> 1024 channels on
8x8 and 16x16 maps. There the weight (9.4M values) outweighs the activations many times over, and
oneDNN's convolution spends its time on the weight, not the arithmetic: forward + backward of one
such conv at 8x8 took 62 ms in fp32 (58 GFLOP/s) on 2 threads of an AMX Xeon. The same function as
``W (O, C*k*k) @ unfold(x) (N, C*k*k, H*W)``, a plain GEMM, took 33 ms (1.86x); at 16x16 1.30-1.57x
(fp32 / bf16). With smaller weights or more pixels the convolution wins (512 -> 512 at 8x16: 0.52x
bf16; 1024 -> 512 at 32x32: 0.45x), so only calls with a weight of at least `MIN_WEIGHT` values on
at most `MAX_PIXELS` output pixels (batch included) take the GEMM. Measured: benchmarks/README.md,
"Weight-bound convolutions". Gradients are autograd's through unfold and matmul.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

MIN_WEIGHT = 1 << 23  # 8.4M values: 1024 x 1024 x 3 x 3 is 9.4M, 512 x 512 x 3 x 3 2.4M
MAX_PIXELS = 256  # N x H_out x W_out


def weight_bound(x: torch.Tensor, weight: torch.Tensor) -> bool:
    """Whether a stride-1 conv of (N, C, H, W) ``x`` by ``weight`` should run as a GEMM (module doc)."""
    return weight.numel() >= MIN_WEIGHT and x.size(0) * x.size(2) * x.size(3) <= MAX_PIXELS


def conv_as_matmul(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, padding: tuple[int, int]) -> torch.Tensor:
    """``F.conv2d(x, weight, bias, padding=padding)`` (stride 1, no dilation, one group) as unfold + matmul.

    x: (N, C, H, W); weight: (O, C, kh, kw); bias: (O,) or None -> (N, O, H + 2 ph - kh + 1, W + 2 pw - kw + 1).
    """
    n, _, h, w = x.shape
    kh, kw = weight.shape[-2:]
    columns = F.unfold(x, (kh, kw), padding=padding)  # (N, C*kh*kw, H_out*W_out)
    out = (weight.flatten(1) @ columns).view(n, weight.size(0), h + 2 * padding[0] - kh + 1, w + 2 * padding[1] - kw + 1)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


class WeightBoundConv2d(nn.Conv2d):
    """``nn.Conv2d`` (same parameters, same function) whose weight-bound calls run as one GEMM."""

    def _conv_forward(self, input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        plain = (self.stride == (1, 1) and self.dilation == (1, 1) and self.groups == 1
                 and self.padding_mode == "zeros" and isinstance(self.padding, tuple))
        if plain and weight_bound(input, weight) and not torch.onnx.is_in_onnx_export():
            return conv_as_matmul(input, weight, bias, self.padding)
        return super()._conv_forward(input, weight, bias)
