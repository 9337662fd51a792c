"""`class_rows`: CLADE's per-pixel table lookup as a one-hot product over the classes present."""

import pytest
import torch
import torch.nn.functional as F

from gaugan.nn.class_rows import ClassRows, class_rows

pytestmark = pytest.mark.usefixtures("one_thread")


def blocky_ids(n, h, w, classes, seed=0):
    g = torch.Generator().manual_seed(seed)
    cells = torch.randint(0, classes, (n, 1, h // 4, w // 4), generator=g).float()
    return F.interpolate(cells, size=(h, w), mode="nearest")[:, 0].long()


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_rows_are_each_pixels_class_row_exactly_in_channels_last_memory(dtype):
    torch.manual_seed(0)
    table = torch.randn(9, 5)
    ids = blocky_ids(2, 16, 24, classes=6)  # classes 6..8 absent: dropped before the product
    rows = class_rows(table, ids, dtype)
    assert rows.shape == (2, 5, 16, 24) and rows.dtype == dtype
    assert rows.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(rows, table.to(dtype)[ids].permute(0, 3, 1, 2))  # bit for bit, not approximately


def test_the_gradient_is_the_upstream_gradient_summed_over_each_class():
    torch.manual_seed(0)
    table = torch.randn(5, 3, requires_grad=True)
    ids = torch.randint(0, 4, (2, 4, 6))  # class 4 absent: its gradient is zero
    upstream = torch.randn(2, 3, 4, 6)
    (class_rows(table, ids) * upstream).sum().backward()
    expected = torch.stack([upstream.permute(0, 2, 3, 1)[ids == k].sum(0) for k in range(5)])
    assert torch.allclose(table.grad, expected, atol=1e-5) and torch.equal(table.grad[4], torch.zeros(3))


def test_the_bf16_gradient_is_accumulated_in_fp32():
    """Summing ~50,000 pixels' gradients in bf16 (F.embedding's backward) loses most of them."""
    torch.manual_seed(0)
    ids = blocky_ids(2, 128, 192, classes=12)
    upstream = torch.rand(2, 8, 128, 192) * 1e-3 + 1e-3  # all positive: the sums grow, as late in a sum
    grads = {}
    for dtype in (torch.float32, torch.bfloat16):
        table = torch.randn(12, 8, requires_grad=True)
        with torch.no_grad():
            table.copy_(torch.arange(96.0).view(12, 8) / 96)
        (class_rows(table, ids, dtype) * upstream.to(dtype)).sum().backward()
        grads[dtype] = table.grad
    error = (grads[torch.bfloat16] - grads[torch.float32]).norm() / grads[torch.float32].norm()
    assert error < 0.01, float(error)
    embedding = torch.randn(12, 8, requires_grad=True)
    F.embedding(ids, embedding.bfloat16()).backward(upstream.bfloat16().permute(0, 2, 3, 1))
    assert (embedding.grad - grads[torch.float32]).norm() / grads[torch.float32].norm() > 0.1  # the failure avoided


def test_fp32_rows_stay_exact_inside_bf16_autocast():
    torch.manual_seed(0)
    table = torch.randn(4, 6) * 1.001
    ids = blocky_ids(1, 8, 8, classes=4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        rows = class_rows(table, ids, torch.float32)
    assert rows.dtype == torch.float32 and torch.equal(rows, table[ids].permute(0, 3, 1, 2))


def test_one_lookup_serves_several_tables_and_refuses_an_out_of_range_id():
    ids = blocky_ids(1, 8, 8, classes=3)
    lookup = ClassRows(ids, num_classes=3, dtype=torch.float32)
    gamma, beta = torch.randn(3, 2), torch.randn(3, 2)
    assert torch.equal(lookup.rows(gamma), gamma[ids].permute(0, 3, 1, 2))
    assert torch.equal(lookup.rows(beta), beta[ids].permute(0, 3, 1, 2))
    with pytest.raises(ValueError, match="class id 3 out of range for a table of 3 classes"):
        ClassRows(ids.clamp(max=2) + (ids == 2).long(), num_classes=3, dtype=torch.float32)
