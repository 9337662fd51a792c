"""Label codes: the code of a pixel stands for its semantic vector, at every resolution, and the
training lookup, the fast path and the ONNX graph read the same tables through the same windows."""

import pytest
import torch
import torch.nn.functional as F

from gaugan.export.graphs import TapLookup
from gaugan.fast.onehot_conv import OneHotConv
from gaugan.label_codes import LabelCodes, Windows, code_vectors, codes_of, split_semantics
from gaugan.nn.label_lookup import lookup_table

K = 4


def semantics(num_extras: int, soft: bool = False, h: int = 11, w: int = 9, seed: int = 0) -> torch.Tensor:
    """(2, K + E, h, w): one-hot classes with some all-zero pixels, then E 0/1 (or soft) extras."""
    g = torch.Generator().manual_seed(seed)
    onehot = F.one_hot(torch.randint(0, K, (2, h, w), generator=g), K).permute(0, 3, 1, 2).float()
    onehot[:, :, 2:4, 1:3] = 0  # no class
    extras = (torch.rand(2, num_extras, h, w, generator=g) > 0.5).float()
    if soft:
        extras = extras * torch.rand(2, num_extras, h, w, generator=g)
    return torch.cat([onehot, extras], dim=1)


@pytest.mark.parametrize("num_extras", [0, 1, 2])
@pytest.mark.parametrize("size", [(11, 9), (6, 5), (23, 17), (5, 14)])
def test_a_code_stands_for_the_resized_semantic_vector(num_extras, size):
    sem = semantics(num_extras)
    codes = LabelCodes(*split_semantics(sem, K), K)
    assert codes.coded and codes.num_codes == (K + 1) * 2**num_extras
    level = codes.at(size)
    decoded = code_vectors(K, num_extras, torch.float32)[level.codes].permute(0, 3, 1, 2)
    assert torch.equal(decoded, F.interpolate(sem, size=size, mode="nearest"))
    assert level.extras is None


def test_codes_number_the_classes_then_the_extra_bits_and_outside_reads_nothing():
    ids = torch.tensor([[[0, 3], [4, 1]]])  # 4 = no class
    bits = torch.tensor([[[[1, 0], [1, 1]], [[0, 1], [1, 0]]]]).float()
    assert codes_of(ids, bits, 2).tolist() == [[[0 * 4 + 1, 3 * 4 + 2], [4 * 4 + 3, 1 * 4 + 1]]]
    vectors = code_vectors(K, 2)
    assert vectors.shape == ((K + 1) * 4 + 1, K + 2)
    assert vectors[-1].abs().sum() == 0  # OUTSIDE
    assert vectors[4 * 4 + 3].tolist() == [0, 0, 0, 0, 1, 1]  # no class, both bits


def test_soft_extras_stay_a_float_map_and_their_bits_are_zero():
    sem = semantics(1, soft=True)
    codes = LabelCodes(*split_semantics(sem, K), K)
    assert not codes.coded
    level = codes.at((7, 6))
    assert torch.equal(level.extras, F.interpolate(sem[:, K:], size=(7, 6), mode="nearest"))
    assert (level.codes % 2 == 0).all()


@pytest.mark.parametrize("kernel_size, stride, padding", [(3, 1, 1), (5, 1, 2), (4, 2, 2), (1, 1, 0)])
def test_the_three_window_forms_read_the_same_rows(kernel_size, stride, padding):
    level = LabelCodes(*split_semantics(semantics(1), K), K).at((11, 9))
    windows = level.windows(kernel_size, stride, padding)
    assert level.windows(kernel_size, stride, padding) is windows  # once per map
    n, h_out, w_out = windows.shape
    assert (h_out, w_out) == ((11 + 2 * padding - kernel_size) // stride + 1, (9 + 2 * padding - kernel_size) // stride + 1)
    index = windows.tap_index()
    # Row = tap * (num_codes + 1) + code: decode it and compare with the conv's own windows.
    codes = index - windows.tap_offsets
    padded = F.pad(level.codes.unsqueeze(1).float(), (padding,) * 4, value=windows.outside)
    unfolded = F.unfold(padded, kernel_size, stride=stride)  # (N, k*k, L)
    assert torch.equal(codes.view(n, h_out * w_out, -1), unfolded.transpose(1, 2).long())
    if stride == 1 and kernel_size % 2:
        pixels = torch.arange(windows.num_pixels)
        gathered = windows.padded_codes[windows.window_positions(pixels)]
        assert torch.equal(gathered, codes)


@pytest.mark.parametrize("num_extras", [0, 1])
def test_training_fast_and_onnx_lookups_share_one_table(num_extras):
    torch.manual_seed(0)
    sem = semantics(num_extras)
    weight, bias = torch.randn(6, K + num_extras, 3, 3), torch.randn(6)
    codes = LabelCodes(*split_semantics(sem, K), K)
    fast = OneHotConv(weight, None, K)
    assert torch.equal(lookup_table(codes, weight), fast.table)  # training's table is the fast path's
    expected = F.conv2d(sem, weight, bias, padding=1)
    with_bias = OneHotConv(weight, bias, K)
    windows = codes.at((11, 9)).windows(3)
    assert torch.allclose(with_bias(windows), expected, atol=1e-5)
    assert torch.allclose(TapLookup(with_bias)(codes.at((11, 9)).codes), expected, atol=1e-5)


def test_windows_pad_with_the_outside_code_only():
    codes = torch.zeros(1, 3, 3, dtype=torch.long)
    windows = Windows(codes, num_codes=10, kernel_size=3)
    padded = windows.padded_codes.view(windows.padded_shape)
    assert (padded[:, 1:-1, 1:-1] == 0).all() and padded.sum() == 10 * (25 - 9)
