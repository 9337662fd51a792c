"""`style_tone`: z's direct path to a picture's light. It starts as the identity, sets each picture's
gain and offset when trained, and the fast path, the ONNX export and `init_from` carry it."""

import dataclasses

import pytest
import torch
from train_helpers import ToyPairs

from gaugan.export import OnnxGauGAN, export_onnx
from gaugan.fast import FastCLADEGenerator, FastSPADEGenerator
from gaugan.labels import LabelSet
from gaugan.models import CLADEGeneratorConfig, GauGAN, SPADEGeneratorConfig
from gaugan.models.added_layers import with_added_layers
from gaugan.nn.style_tone import LEARNING_RATE_MULTIPLIER
from gaugan.semantics import semantic_input
from gaugan.train import TrainConfig, Trainer
from model_helpers import random_semantics, tiny_generator

pytestmark = pytest.mark.usefixtures("one_thread")

LABELS = LabelSet(names=("sky", "road", "tree"), colors=((1, 1, 1), (2, 2, 2), (3, 3, 3)), dontcare=True)
Z_DIM = 8


def toned(config_type=SPADEGeneratorConfig, **overrides):
    """A tiny warmed-up generator whose tone reads z: gain from z[0] (0.5 z0), offset per channel."""
    generator = tiny_generator(LABELS, config_type, use_vae=True, z_dim=Z_DIM, style_tone=True, **overrides)
    with torch.no_grad():
        generator.tone.linear.weight.zero_()
        generator.tone.linear.weight[:3, 0] = 0.5
        generator.tone.linear.weight[3:, 1] = torch.tensor([0.8, -0.3, 0.2])
        generator.tone.linear.bias.copy_(torch.tensor([0.1, 0.0, -0.1, 0.2, -0.2, 0.0]))
        generator.tone.linear.weight /= LEARNING_RATE_MULTIPLIER  # the layer scales its Linear's output by it
        generator.tone.linear.bias /= LEARNING_RATE_MULTIPLIER
    return generator


def test_style_tone_needs_the_style_code():
    with pytest.raises(ValueError, match="style_tone needs the style code: set use_vae too"):
        SPADEGeneratorConfig(semantic_channels=4, style_tone=True, use_vae=False)


def test_a_new_tone_is_the_identity_and_loads_the_weights_of_a_model_without_one():
    plain = tiny_generator(LABELS, use_vae=True, z_dim=Z_DIM)
    with_tone = tiny_generator(LABELS, warm=False, use_vae=True, z_dim=Z_DIM, style_tone=True).eval()
    assert torch.count_nonzero(with_tone.tone.linear.weight) == 0  # not redrawn by the Glorot init
    with_tone.load_state_dict(with_added_layers(plain.state_dict(), with_tone))
    semantics = random_semantics(LABELS, n=3, h=32, w=32)
    z = torch.randn(3, Z_DIM, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert torch.equal(with_tone(semantics, z=z), plain(semantics, z=z))


def test_the_tone_sets_each_pictures_gain_and_offset_before_tanh():
    generator = toned()
    semantics = random_semantics(LABELS, n=2, h=32, w=32)
    z = torch.randn(2, Z_DIM, generator=torch.Generator().manual_seed(3))
    tone = generator.tone
    generator.tone = None  # the same network without its tone
    with torch.no_grad():
        untoned = generator(semantics, z=z)
        generator.tone = tone
        out = generator(semantics, z=z)
        gain, offset = tone.gain_and_offset(z)
    logits = torch.atanh(untoned.double().clamp(-1 + 1e-6, 1 - 1e-6))
    expected = torch.tanh(logits * gain.exp()[:, :, None, None].double() + offset[:, :, None, None].double())
    assert out.shape == (2, 3, 32, 32) and out.abs().max() <= 1
    assert (out.double() - expected).abs().max() < 1e-3
    # z sets the light: z[1] up raises the red offset (0.8) and lowers the green one (-0.3).
    brighter = z.clone()
    brighter[:, 1] += 2
    with torch.no_grad():
        shifted = generator(semantics, z=brighter)
    assert (shifted[:, 0] - out[:, 0]).mean() > 0.2
    assert (shifted[:, 1] - out[:, 1]).mean() < -0.1


@pytest.mark.parametrize("config_type, fast_type", [(SPADEGeneratorConfig, FastSPADEGenerator),
                                                    (CLADEGeneratorConfig, FastCLADEGenerator)], ids=["spade", "clade"])
def test_the_fast_path_computes_the_toned_generator(config_type, fast_type):
    generator = toned(config_type)
    semantics = random_semantics(LABELS, n=2, h=32, w=32, seed=4)
    z = torch.randn(2, Z_DIM, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        expected = generator(semantics, z=z)
    out = fast_type.from_generator(generator)(semantics, z=z)
    assert expected.abs().mean() > 0.05
    assert (out - expected).abs().max() < 1e-4


def test_the_onnx_export_computes_the_toned_generator(tmp_path):
    model = GauGAN(toned(), LABELS)
    manifest = export_onnx(model, tmp_path / "onnx")
    assert manifest["verification"]["generator_max_abs_diff"] < 1e-4
    runtime = OnnxGauGAN(tmp_path / "onnx")
    g = torch.Generator().manual_seed(6)
    ids = torch.randint(0, 4, (2, 8, 8), generator=g).repeat_interleave(4, 1).repeat_interleave(4, 2)
    z = torch.randn(2, Z_DIM, generator=g)
    with torch.no_grad():
        expected = model(semantic_input(ids, LABELS), z=z)
    assert (runtime.generate(ids, None, z) - expected).abs().max() < 1e-4


def _config(tmp_path, name, **changes):
    base = TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, use_vae=True, z_dim=16, n_layers_d=3,
        batch_size=2, iterations=3, checkpoint_every=100, output_dir=str(tmp_path / name), tensorboard=False,
        ema_decay=None, seed=3, lambda_l1=10.0, light_jitter=0.5,
    )
    return dataclasses.replace(base, **changes)


def test_a_run_adds_a_tone_to_a_model_trained_without_one_and_trains_it(tmp_path):
    first = Trainer(_config(tmp_path, "first"), ToyPairs(n=4), show_progress=False)
    first.fit()
    pretrained = first.export()
    source = GauGAN.from_pretrained(pretrained)
    run = Trainer(_config(tmp_path, "toned", style_tone=True, init_from=str(pretrained)), ToyPairs(n=4), show_progress=False)
    state = run.generator.state_dict()
    assert all(torch.equal(state[name], tensor) for name, tensor in source.generator.state_dict().items())
    assert torch.count_nonzero(run.generator.tone.linear.weight) == 0
    run.fit()
    # The L1 on relit photos reaches the tone through z: it has learned something.
    assert torch.count_nonzero(run.generator.tone.linear.weight) > 0
    toned = GauGAN.from_pretrained(run.export())
    assert toned.generator.config.style_tone and toned.generator.tone is not None
    # A tone is not dropped: a run without one refuses the toned model, by field.
    with pytest.raises(ValueError, match="differs from this run.s .* in style_tone"):
        Trainer(_config(tmp_path, "untoned", init_from=str(run.output_dir / "final")), ToyPairs(n=4), show_progress=False)
