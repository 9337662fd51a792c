import pytest
import torch
import torch.nn.functional as F

from gaugan.nn import SPADE, SPADEResnetBlock
from gaugan.nn.spectral import spectral_norm_enabled


@pytest.mark.parametrize("norm", ["batch", "syncbatch", "instance"])
def test_spade_computes_norm_times_one_plus_gamma_plus_beta(norm):
    torch.manual_seed(0)
    layer = SPADE(6, 4, norm=norm, kernel_size=3, hidden=16)
    x = torch.randn(2, 6, 8, 8) * 3 + 1
    seg = F.one_hot(torch.randint(0, 4, (2, 4, 4)), 4).permute(0, 3, 1, 2).float()
    out = layer(x, seg)

    seg_up = F.interpolate(seg, size=(8, 8), mode="nearest")
    hidden = F.relu(layer.mlp_shared[0](seg_up))
    gamma, beta = layer.mlp_gamma(hidden), layer.mlp_beta(hidden)
    dims = (0, 2, 3) if norm != "instance" else (2, 3)
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, unbiased=False, keepdim=True)
    expected = (x - mean) / torch.sqrt(var + 1e-5) * (1 + gamma) + beta
    assert torch.allclose(out, expected, atol=1e-5)


def test_spade_output_depends_on_label_map_and_not_only_on_x():
    torch.manual_seed(0)
    layer = SPADE(6, 3, hidden=8)
    x = torch.randn(1, 6, 8, 8)
    a = torch.zeros(1, 3, 8, 8)
    a[:, 0] = 1
    b = torch.zeros(1, 3, 8, 8)
    b[:, 1] = 1
    assert (layer(x, a) - layer(x, b)).abs().mean() > 1e-3


@pytest.mark.parametrize("kernel_size, expected_params", [(1, 4 * 16 + 16 + 2 * (16 * 6 + 6)), (5, 4 * 16 * 25 + 16 + 2 * (16 * 6 * 25 + 6))])
def test_spade_kernel_size_sets_modulation_conv_size(kernel_size, expected_params):
    layer = SPADE(6, 4, kernel_size=kernel_size, hidden=16)
    assert sum(p.numel() for p in layer.parameters()) == expected_params
    out = layer(torch.randn(2, 6, 7, 9), torch.rand(2, 4, 7, 9))
    assert out.shape == (2, 6, 7, 9)


def test_spade_rejects_unsupported_kernel_and_norm():
    with pytest.raises(ValueError, match="kernel size"):
        SPADE(4, 4, kernel_size=2)
    with pytest.raises(ValueError, match="unknown parameter-free norm 'group'"):
        SPADE(4, 4, norm="group")


def test_resnet_block_shortcut_is_learned_only_when_widths_differ():
    same = SPADEResnetBlock(8, 8, 3, spectral_norm=True)
    changed = SPADEResnetBlock(8, 4, 3, spectral_norm=False)
    assert not same.learned_shortcut and not hasattr(same, "conv_s")
    assert changed.learned_shortcut and changed.conv_s.bias is None
    assert changed.conv_0.out_channels == 4  # fmiddle = min(fin, fout)
    assert spectral_norm_enabled(same.conv_0) and spectral_norm_enabled(same.conv_1)
    assert not spectral_norm_enabled(changed.conv_0)
    x, seg = torch.randn(2, 8, 4, 4), torch.rand(2, 3, 8, 8)
    assert changed(x, seg).shape == (2, 4, 4, 4)
