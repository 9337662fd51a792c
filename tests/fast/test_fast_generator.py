"""FastSPADEGenerator computes the reference SPADEGenerator's eval-mode function."""

import pytest
import torch

from gaugan.fast import FastSPADEGenerator
from gaugan.fast import modulation
from gaugan.label_codes import LabelCodes, split_semantics
from gaugan.semantics import semantic_input
from model_helpers import random_semantics, tiny_generator

TOLERANCE = 1e-4  # max abs difference, fp32; outputs are O(0.1-1) with init_gain=1.0


# Tiny tensors: one thread (see the one_thread fixture in conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


def compare(labels, generator, z=None, **fast_options):
    h, w = generator.config.output_size
    semantics = random_semantics(labels, n=2, h=h, w=w, seed=7)
    with torch.no_grad():
        expected = generator(semantics, z=z) if generator.config.use_vae else generator(semantics)
    fast = FastSPADEGenerator.from_generator(generator, labels.num_classes + int(labels.dontcare), **fast_options)
    out = fast(semantics, z=z)
    assert out.shape == expected.shape
    assert expected.abs().mean() > 0.05  # not a vacuous comparison of near-zero outputs
    return (out - expected).abs().max().item()


@pytest.fixture
def per_pixel_path(monkeypatch):
    """Take the gather + matmul path at every resolution, in chunks of 100 pixels."""
    monkeypatch.setattr(modulation, "DENSE_FRACTION", 1.0)
    monkeypatch.setattr(modulation, "CHUNK_ROWS", 100)


def regions(labels, h=64, w=64):
    """(1, C, h, w): a few large regions (uniform interiors at the higher resolutions) and instances."""
    ids = torch.zeros(1, h, w, dtype=torch.long)
    ids[:, h // 2 :] = 1
    ids[:, h // 4 : h // 2, w // 4 : w // 2] = 2
    ids[:, :, -3:] = labels.num_classes  # don't-care strip
    instances = torch.zeros(1, h, w, dtype=torch.long)
    instances[:, h // 2 :, : w // 3] = 1
    return semantic_input(ids, labels, instances)


@pytest.mark.parametrize("interior_lookup", [True, False])
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"num_upsampling_layers": "more", "width": 64},
        {"num_upsampling_layers": "most", "width": 128},
        {"aspect_ratio": 2.0, "width": 64},
        {"norm": "instance", "width": 64},
        {"norm": "batch", "spade_kernel_size": 1},
        {"spade_kernel_size": 5, "width": 64},
    ],
    ids=["normal", "more", "most", "aspect2", "instance-norm", "kernel1", "kernel5"],
)
def test_fast_generator_matches_reference(tiny_labels, overrides, interior_lookup, per_pixel_path):
    generator = tiny_generator(tiny_labels, **overrides)
    assert compare(tiny_labels, generator, interior_lookup=interior_lookup) < TOLERANCE


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_lookups_inside_large_regions_match_reference(tiny_labels, kernel_size):
    generator = tiny_generator(tiny_labels, width=64, spade_kernel_size=kernel_size)
    semantics = regions(tiny_labels)
    fast = FastSPADEGenerator.from_generator(generator, tiny_labels.num_classes + 1)
    level = LabelCodes(*fast.label_ids(semantics), fast.num_classes).at((64, 64)).windows(kernel_size)
    assert level.irregular(2 * (kernel_size // 2)).numel() < 0.75 * level.num_pixels  # many looked up
    with torch.no_grad():
        assert (fast(semantics) - generator(semantics)).abs().max() < TOLERANCE


def test_fast_generator_matches_reference_with_style_code(tiny_labels):
    generator = tiny_generator(tiny_labels, use_vae=True, z_dim=16)
    z = torch.randn(2, 16, generator=torch.Generator().manual_seed(3))
    assert compare(tiny_labels, generator, z=z) < TOLERANCE


def test_label_ids_input_equals_one_hot_input(tiny_labels):
    generator = tiny_generator(tiny_labels)
    fast = FastSPADEGenerator.from_generator(generator, tiny_labels.num_classes + 1)
    semantics = random_semantics(tiny_labels, n=2, h=32, w=32, seed=7)
    ids, edges = split_semantics(semantics, tiny_labels.num_classes + 1)
    assert torch.equal(fast((ids, edges)), fast(semantics))


def test_soft_edge_maps_take_the_conv_path(tiny_labels):
    generator = tiny_generator(tiny_labels)
    semantics = random_semantics(tiny_labels, n=2, h=32, w=32, seed=7)
    semantics[:, -1] *= torch.rand(2, 32, 32)  # edges that are not 0/1 cannot be coded
    fast = FastSPADEGenerator.from_generator(generator, tiny_labels.num_classes + 1)
    with torch.no_grad():
        assert (fast(semantics) - generator(semantics)).abs().max() < TOLERANCE


@pytest.mark.parametrize("corrupt", ["fused bias", "region table"])
def test_a_corrupted_fold_or_table_is_detected(tiny_labels, corrupt):
    # The equivalence tests can fail: nudge one folded number and the output moves.
    generator = tiny_generator(tiny_labels, width=64)
    fast = FastSPADEGenerator.from_generator(generator, tiny_labels.num_classes + 1)
    semantics = regions(tiny_labels)
    layer = fast.blocks[-1].norm_1
    with torch.no_grad():
        if corrupt == "fused bias":
            layer.gamma_beta.bias[0] += 0.5
        else:
            layer.ab_table[2 * 2**1, 0] += 0.5  # class 2 (no edge), channel 0 of a
        assert (fast(semantics) - generator(semantics)).abs().max() > 10 * TOLERANCE


def test_building_reads_but_does_not_change_the_reference(tiny_labels):
    generator = tiny_generator(tiny_labels).train()
    before = {k: v.clone() for k, v in generator.state_dict().items()}
    FastSPADEGenerator.from_generator(generator, tiny_labels.num_classes + 1)
    assert generator.training
    after = generator.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # spectral u, v untouched


@pytest.mark.parametrize("interior_lookup", [True, False])
def test_bf16_autocast_is_close(tiny_labels, interior_lookup, per_pixel_path):
    # bf16 keeps 8 significant bits: ~0.4% relative error per op, so a loose bound.
    generator = tiny_generator(tiny_labels)
    semantics = random_semantics(tiny_labels, n=2, h=32, w=32, seed=7)
    fast = FastSPADEGenerator.from_generator(generator, tiny_labels.num_classes + 1, interior_lookup=interior_lookup, precision="bf16")
    with torch.no_grad():
        expected = generator(semantics)
    diff = (fast(semantics) - expected).abs()
    assert diff.max() < 0.1 and diff.mean() < 0.02


def test_inputs_are_checked(tiny_labels):
    generator = tiny_generator(tiny_labels)
    semantics = random_semantics(tiny_labels, n=1, h=32, w=32)
    with pytest.raises(ValueError, match="not one-hot"):
        FastSPADEGenerator.from_generator(generator)(semantics)  # edge channel counted as a class
    fast = FastSPADEGenerator.from_generator(generator, tiny_labels.num_classes + 1)
    with pytest.raises(ValueError, match="extras"):
        fast((torch.zeros(1, 32, 32, dtype=torch.long), None))
    with pytest.raises(ValueError, match="divisible by 32"):
        fast((torch.zeros(1, 40, 40, dtype=torch.long), torch.zeros(1, 1, 40, 40)))
    with pytest.raises(RuntimeError, match="inference-only"):
        fast.train()
