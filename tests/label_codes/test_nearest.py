import pytest
import torch
import torch.nn.functional as F

from gaugan.label_codes import nearest_source_indices, resize_nearest

# Up- and down-scaling, equal, x2 (ATen's special cases), and non-power-of-2 ratios where a
# float64 scale would pick different source pixels (26 -> 22, 2 -> 82).
SIZES = [(1, 1), (1, 7), (8, 16), (16, 8), (5, 5), (7, 13), (13, 7), (26, 22), (2, 82), (37, 20), (20, 37), (100, 33), (33, 100), (256, 96), (96, 256)]


@pytest.mark.parametrize("in_size, out_size", SIZES)
def test_source_indices_are_pytorch_nearest(in_size, out_size):
    ramp = torch.arange(in_size, dtype=torch.float32).view(1, 1, 1, in_size)
    expected = F.interpolate(ramp, size=(1, out_size), mode="nearest").view(-1).long()
    assert torch.equal(nearest_source_indices(in_size, out_size), expected)


def test_source_indices_over_a_grid_of_sizes():
    for in_size in range(1, 120, 7):
        for out_size in range(1, 300, 11):
            ramp = torch.arange(in_size, dtype=torch.float32).view(1, 1, 1, in_size)
            expected = F.interpolate(ramp, size=(1, out_size), mode="nearest").view(-1).long()
            assert torch.equal(nearest_source_indices(in_size, out_size), expected), (in_size, out_size)


@pytest.mark.parametrize("size", [(17, 9), (40, 64), (5, 3), (64, 40)])
def test_resizing_ids_equals_argmax_of_resized_one_hot(size):
    ids = torch.randint(0, 6, (2, 23, 31), generator=torch.Generator().manual_seed(0))
    onehot = F.one_hot(ids, 6).permute(0, 3, 1, 2).float()
    expected = F.interpolate(onehot, size=size, mode="nearest").argmax(dim=1)
    assert torch.equal(resize_nearest(ids, size), expected)
    edges = torch.rand(2, 1, 23, 31)
    assert torch.equal(resize_nearest(edges, size), F.interpolate(edges, size=size, mode="nearest"))
