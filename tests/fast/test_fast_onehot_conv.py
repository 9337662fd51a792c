"""The lookup convolution and the label codes it reads, against F.conv2d on the one-hot map."""

import pytest
import torch
import torch.nn.functional as F

from gaugan.label_codes import LabelCodes, split_semantics
from gaugan.fast.onehot_conv import OneHotConv

K = 5  # one-hot channels


def semantics(edges: str = "binary", empty_pixels: bool = False, seed: int = 0) -> torch.Tensor:
    """(2, K + 1, 12, 10): one-hot classes + one extra channel."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, K, (2, 12, 10), generator=g)
    onehot = F.one_hot(ids, K).permute(0, 3, 1, 2).float()
    if empty_pixels:
        onehot[:, :, 3:5, 2:6] = 0
    extra = (torch.rand(2, 1, 12, 10, generator=g) > 0.6).float()
    if edges == "soft":
        extra = extra * torch.rand(2, 1, 12, 10, generator=g)
    return torch.cat([onehot, extra], dim=1)


def lookup_conv(weight, bias, sem):
    pyramid = LabelCodes(*split_semantics(sem, K), K)
    level = pyramid.at(tuple(sem.shape[-2:]))
    return OneHotConv(weight, bias, K)(level.windows(weight.size(-1)))


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
@pytest.mark.parametrize("edges", ["binary", "soft"])
def test_lookup_equals_conv_of_one_hot_map(kernel_size, edges):
    torch.manual_seed(0)
    weight, bias = torch.randn(7, K + 1, kernel_size, kernel_size), torch.randn(7)
    sem = semantics(edges)
    expected = F.conv2d(sem, weight, bias, padding=kernel_size // 2)
    assert torch.allclose(lookup_conv(weight, bias, sem), expected, atol=1e-5)


def test_all_zero_pixels_are_the_no_class_code():
    torch.manual_seed(0)
    weight, bias = torch.randn(4, K + 1, 3, 3), torch.randn(4)
    sem = semantics(empty_pixels=True)
    ids, _ = split_semantics(sem, K)
    assert (ids[:, 3:5, 2:6] == K).all()
    assert torch.allclose(lookup_conv(weight, bias, sem), F.conv2d(sem, weight, bias, padding=1), atol=1e-5)


def test_a_wrong_table_entry_is_detected():
    # The equivalence check above can fail: corrupt one tap of one class and it does.
    torch.manual_seed(0)
    weight, bias = torch.randn(4, K + 1, 3, 3), torch.randn(4)
    sem = semantics()
    pyramid = LabelCodes(*split_semantics(sem, K), K)
    conv = OneHotConv(weight, bias, K)
    conv.table[2 * (conv.num_codes + 1) + 2 * 3] += 0.5  # tap 2, class 3 (code 3 * 2**1), no edge
    diff = (conv(pyramid.at((12, 10)).windows(3)) - F.conv2d(sem, weight, bias, padding=1)).abs().max()
    assert diff > 0.1


@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda s: s.mul_(0.5), "not one-hot"),
        (lambda s: s[:, 0].fill_(1.0), "not one-hot"),
        (lambda s: s[:, 1].sub_(1.0), "not one-hot"),
    ],
)
def test_non_one_hot_inputs_are_refused(bad, match):
    sem = semantics()
    bad(sem)
    with pytest.raises(ValueError, match=match):
        split_semantics(sem, K)


def test_edge_channel_counted_as_one_hot_is_refused():
    # The default num_onehot_channels (all channels) is wrong for a map with an edge channel.
    with pytest.raises(ValueError, match="not one-hot"):
        split_semantics(semantics(), K + 1)
