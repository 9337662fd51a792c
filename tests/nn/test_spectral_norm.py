"""Our spectral-norm parametrisation is torch's, with a cheaper but equal gradient."""

import pytest
import torch
from torch.nn.utils.parametrizations import spectral_norm as torch_spectral_norm

from gaugan.nn.spectral import SpectralNorm, spectral_norm

pytestmark = pytest.mark.usefixtures("one_thread")


def pair(make):
    torch.manual_seed(0)
    ours, theirs = make(), make()
    theirs.load_state_dict(ours.state_dict())
    torch_spectral_norm(theirs)
    spectral_norm(ours)
    ours.load_state_dict(theirs.state_dict())  # same u, v
    return ours, theirs


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda: torch.nn.Conv2d(5, 8, 3, padding=1), (3, 5, 9, 9)),
        (lambda: torch.nn.Linear(7, 16), (4, 7)),
        (lambda: torch.nn.Conv2d(64, 32, 4, stride=2), (2, 64, 12, 12)),
        (lambda: torch.nn.ConvTranspose2d(6, 4, 3), (2, 6, 5, 5)),  # dim 1: torch's own path
    ],
    ids=["conv3x3", "linear", "conv4x4", "conv-transpose"],
)
def test_outputs_gradients_and_power_iterations_equal_torchs(make, shape):
    ours, theirs = pair(make)
    assert isinstance(ours.parametrizations.weight[0], SpectralNorm)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    x = torch.randn(shape, dtype=torch.float32)
    for step in range(3):  # training mode: each forward runs one power iteration
        outputs = [m(x) for m in (ours, theirs)]
        torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-6, atol=1e-6)
        for out in outputs:
            out.sin().sum().backward()
        g_ours, g_theirs = ours.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad
        torch.testing.assert_close(g_ours, g_theirs, rtol=1e-5, atol=1e-5 * float(g_theirs.abs().max()))
        torch.testing.assert_close(ours.parametrizations.weight[0]._u, theirs.parametrizations.weight[0]._u)
    ours.eval(), theirs.eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-6, atol=1e-6)


def test_gradient_removes_the_component_along_the_top_singular_direction():
    # d sigma(W_sn) = 0 along u v^T: the normalised weight's scale cannot be learned through it.
    ours, _ = pair(lambda: torch.nn.Linear(6, 6))
    for _ in range(50):  # converge u, v
        ours.weight
    u, v = ours.parametrizations.weight[0]._u.clone(), ours.parametrizations.weight[0]._v.clone()
    weight = ours.weight
    torch.autograd.backward(weight, torch.outer(u, v))
    grad = ours.parametrizations.weight.original.grad
    assert abs(float(u @ grad @ v)) < 1e-4 * float(grad.abs().max() + 1)


def test_channels_last_weight_gives_torchs_values_and_keeps_its_layout():
    # A channels-last model (TrainConfig.channels_last) normalises its weights read in their own memory
    # order: the same W_sn, gradient and power iterations as torch's on the NCHW weight, while the
    # gradient stays channels-last (no copy for Adam) and _u, _v keep torch's order and storage.
    ours, theirs = pair(lambda: torch.nn.Conv2d(6, 10, 3, padding=1))
    ours.to(memory_format=torch.channels_last)
    original = ours.parametrizations.weight.original
    assert original.is_contiguous(memory_format=torch.channels_last) and not original.is_contiguous()
    state = ours.parametrizations.weight[0]
    u_storage, v_storage = state._u.data_ptr(), state._v.data_ptr()
    x = torch.randn(2, 6, 7, 7)
    for _ in range(3):
        outputs = [ours(x.contiguous(memory_format=torch.channels_last)), theirs(x)]
        torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-6, atol=1e-6)
        for out in outputs:
            out.sin().sum().backward()
        g_theirs = theirs.parametrizations.weight.original.grad
        torch.testing.assert_close(original.grad, g_theirs, rtol=1e-5, atol=1e-5 * float(g_theirs.abs().max()))
        assert original.grad.is_contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(state._u, theirs.parametrizations.weight[0]._u)
        torch.testing.assert_close(state._v, theirs.parametrizations.weight[0]._v)
    assert (state._u.data_ptr(), state._v.data_ptr()) == (u_storage, v_storage)
    ours.eval(), theirs.eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-6, atol=1e-6)
