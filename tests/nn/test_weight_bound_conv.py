"""Weight-bound convolutions as one GEMM (nn/weight_bound_conv.py): the same function and gradients as the conv."""

import pytest
import torch
import torch.nn.functional as F

from gaugan.nn import SPADEResnetBlock
from gaugan.nn.weight_bound_conv import WeightBoundConv2d, conv_as_matmul, weight_bound


@pytest.mark.parametrize("kernel, padding, bias", [(3, 1, True), (1, 0, False), (3, 0, True)])
def test_the_gemm_equals_the_convolution_with_its_gradients(kernel, padding, bias):
    torch.manual_seed(0)
    x = torch.randn(2, 5, 6, 7, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(4, 5, kernel, kernel, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, requires_grad=True) if bias else None
    inputs = [t for t in (x, weight, b) if t is not None]

    out = conv_as_matmul(x, weight, b, (padding, padding))
    expected = F.conv2d(x, weight, b, padding=padding)
    assert out.shape == expected.shape == (2, 4, 6 + 2 * padding - kernel + 1, 7 + 2 * padding - kernel + 1)
    assert torch.allclose(out, expected, atol=1e-12)
    upstream = torch.randn_like(out)
    for got, want in zip(torch.autograd.grad(out, inputs, upstream), torch.autograd.grad(expected, inputs, upstream)):
        assert torch.allclose(got, want, atol=1e-12)


def test_only_large_weights_on_few_pixels_take_the_gemm():
    big, mid = torch.empty(1024, 1024, 3, 3), torch.empty(512, 512, 3, 3)
    assert weight_bound(torch.empty(1, 1024, 8, 8), big)  # the paper's head block at 256 px
    assert weight_bound(torch.empty(1, 1024, 16, 16), big)  # its middle blocks
    assert weight_bound(torch.empty(4, 1024, 8, 8), big)  # 256 pixels with the batch
    assert not weight_bound(torch.empty(1, 1024, 32, 32), big)  # up_0: the convolution is faster there
    assert not weight_bound(torch.empty(1, 512, 8, 16), mid)  # and with a smaller weight


def test_a_paper_width_block_computes_the_same_through_the_gemm(monkeypatch):
    """A residual block whose convs take the GEMM (thresholds lowered to this small block) gives the
    output and gradients of plain convolutions."""
    torch.manual_seed(0)
    block = SPADEResnetBlock(16, 8, label_channels=3, spectral_norm=True, hidden=8).double()
    x = torch.randn(1, 16, 4, 4, dtype=torch.float64)
    labels = F.one_hot(torch.randint(0, 3, (1, 4, 4)), 3).permute(0, 3, 1, 2).double()

    def run():
        block.zero_grad()
        out = block(x, labels)
        out.square().mean().backward()
        return out.detach(), block.conv_0.parametrizations.weight.original.grad.clone()

    block.eval()  # spectral norm without power iteration: both runs see the same sigma
    plain = run()
    calls = []
    real = conv_as_matmul
    monkeypatch.setattr("gaugan.nn.weight_bound_conv.MIN_WEIGHT", 1)
    monkeypatch.setattr("gaugan.nn.weight_bound_conv.conv_as_matmul", lambda *a: calls.append(1) or real(*a))
    gemm = run()
    assert len(calls) == 3  # conv_0, conv_1 and the shortcut's conv_s
    assert torch.allclose(plain[0], gemm[0], atol=1e-12) and torch.allclose(plain[1], gemm[1], atol=1e-12)
    assert isinstance(block.conv_0, WeightBoundConv2d)
