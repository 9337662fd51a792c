"""FastCLADEGenerator computes the reference CLADEGenerator's eval-mode function."""

import pytest
import torch

from gaugan.fast import FastCLADEGenerator
from gaugan.labels import LabelSet
from gaugan.models import CLADEGenerator, CLADEGeneratorConfig
from model_helpers import random_semantics, tiny_generator, warmed_up

TOLERANCE = 1e-4  # max abs difference, fp32

# Tiny tensors: one thread (see the one_thread fixture in conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


def trained_clade(labels: LabelSet, **overrides) -> CLADEGenerator:
    """A tiny CLADE generator with non-trivial tables, BN statistics and spectral vectors."""
    generator = tiny_generator(labels, CLADEGeneratorConfig, warm=False, z_dim=8, **overrides)
    with torch.no_grad():
        for name, parameter in generator.named_parameters():
            if name.endswith((".beta", "edge_conv.weight", "position_gamma.weight", "position_beta.weight")):
                parameter.normal_()  # the official init leaves these at 0 or small, hiding mistakes
    return warmed_up(generator, labels)


def max_diff(labels: LabelSet, generator: CLADEGenerator, **fast_options) -> float:
    h, w = generator.config.output_size
    semantics = random_semantics(labels, n=2, h=h, w=w, seed=7)
    z = torch.randn(2, 8, generator=torch.Generator().manual_seed(1)) if generator.config.use_vae else None
    with torch.no_grad():
        expected = generator(semantics, z=z) if z is not None else generator(semantics)
    out = FastCLADEGenerator.from_generator(generator, **fast_options)(semantics, z=z)
    assert out.shape == expected.shape
    assert expected.abs().mean() > 0.05  # not a vacuous comparison of near-zero outputs
    return (out - expected).abs().max().item()


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"num_upsampling_layers": "more", "width": 64},
        {"num_upsampling_layers": "most", "width": 128},
        {"aspect_ratio": 2.0, "width": 64},
        {"norm": "instance", "width": 64},
        {"positional_encoding": True},
        {"positional_encoding": True, "norm": "instance", "width": 64},
        {"use_vae": True},
    ],
    ids=["normal", "more", "most", "aspect2", "instance-norm", "icpe", "icpe-instance", "encoder-z"],
)
@pytest.mark.parametrize("edges", [True, False], ids=["edges", "no-edges"])
def test_fast_clade_matches_reference(tiny_labels, overrides, edges):
    labels = tiny_labels if edges else LabelSet(names=tiny_labels.names, colors=tiny_labels.colors, dontcare=True)
    assert max_diff(labels, trained_clade(labels, **overrides)) < TOLERANCE


def test_nchw_memory_format_matches_too(tiny_labels):
    assert max_diff(tiny_labels, trained_clade(tiny_labels), channels_last=False) < TOLERANCE


def test_label_ids_input_equals_one_hot_input(tiny_labels):
    generator = trained_clade(tiny_labels)
    semantics = random_semantics(tiny_labels, n=2, seed=4)
    fast = FastCLADEGenerator.from_generator(generator)
    ids = semantics[:, :-1].argmax(1)
    assert torch.equal(fast(semantics), fast((ids, semantics[:, -1:])))


def test_bf16_autocast_is_close(tiny_labels):
    generator = trained_clade(tiny_labels)
    semantics = random_semantics(tiny_labels, n=2, seed=7)
    with torch.no_grad():
        expected = generator(semantics)
    diff = (FastCLADEGenerator.from_generator(generator, precision="bf16")(semantics) - expected).abs()
    assert diff.max() < 0.1 and diff.mean() < 0.02


def test_wrong_generator_class_count_and_training_are_refused(tiny_labels):
    generator = trained_clade(tiny_labels)
    with pytest.raises(ValueError, match="6 class channels, not 7"):
        FastCLADEGenerator.from_generator(generator, 7)
    with pytest.raises(TypeError, match="needs a CLADEGenerator"):
        FastCLADEGenerator.from_generator(torch.nn.Linear(2, 2))
    fast = FastCLADEGenerator.from_generator(generator)
    with pytest.raises(RuntimeError, match="inference-only; train the CLADEGenerator"):
        fast.train()
    with pytest.raises(ValueError, match="extras"):
        fast((torch.zeros(1, 32, 32, dtype=torch.long), None))
