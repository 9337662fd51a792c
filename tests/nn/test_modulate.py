"""`modulate`: SPADE's and CLADE's x * gamma + beta with a hand-written backward, checked against
autograd's (values, the three gradients, broadcasting, bf16) and by a float64 gradcheck."""

import pytest
import torch

from gaugan.nn.modulate import modulate


def _reference(x, gamma, beta, residual):
    return x * (1 + gamma) + beta if residual else x * gamma + beta


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("gamma_shape", [(2, 3, 5, 4), (1, 3, 1, 1)])
def test_values_and_gradients_equal_autograds(residual, gamma_shape):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 5, 4, generator=g, requires_grad=True)
    gamma = torch.randn(gamma_shape, generator=g, requires_grad=True)
    beta = torch.randn(gamma_shape, generator=g, requires_grad=True)
    grad = torch.randn(2, 3, 5, 4, generator=g)
    ours = modulate(x, gamma, beta, residual)
    expected = _reference(x, gamma, beta, residual)
    torch.testing.assert_close(ours, expected)
    got = torch.autograd.grad(ours, (x, gamma, beta), grad)
    want = torch.autograd.grad(expected, (x, gamma, beta), grad)
    for a, b, name in zip(got, want, ("x", "gamma", "beta")):
        assert a.shape == b.shape, name
        torch.testing.assert_close(a, b, msg=name)
    assert float(got[1].abs().sum()) > 0  # not vacuous


@pytest.mark.parametrize("residual", [False, True])
def test_gradcheck_in_float64(residual):
    g = torch.Generator().manual_seed(1)
    inputs = tuple(torch.randn(1, 2, 3, 3, generator=g, dtype=torch.float64, requires_grad=True) for _ in range(3))
    assert torch.autograd.gradcheck(lambda x, gm, b: modulate(x, gm, b, residual), inputs)


def test_only_the_inputs_that_need_a_gradient_get_one():
    x = torch.randn(1, 2, 3, 3, requires_grad=True)
    gamma, beta = torch.randn(1, 2, 3, 3), torch.randn(1, 2, 3, 3)
    modulate(x, gamma, beta).sum().backward()
    torch.testing.assert_close(x.grad, gamma)
    assert gamma.grad is None and beta.grad is None


def test_bf16_inputs_give_bf16_output_and_gradients():
    x = torch.randn(1, 2, 4, 4, dtype=torch.bfloat16, requires_grad=True)
    gamma = torch.randn(1, 2, 4, 4, dtype=torch.bfloat16, requires_grad=True)
    beta = torch.randn(1, 2, 4, 4, dtype=torch.bfloat16, requires_grad=True)
    out = modulate(x, gamma, beta)
    assert out.dtype == torch.bfloat16
    out.float().sum().backward()
    assert x.grad.dtype == gamma.grad.dtype == torch.bfloat16
    torch.testing.assert_close(x.grad, gamma.detach())
