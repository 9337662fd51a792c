"""`label_lookup` in training: on by default on CPU, the same iteration as the convolution path."""

import dataclasses

import pytest
import torch
from train_helpers import ToyPairs

from gaugan.nn import label_lookup
from gaugan.train import TrainConfig, Trainer
from gaugan.train import trainer as trainer_module
from gaugan.train.config import resolve_config


def _config(tmp_path, **changes):
    base = TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, batch_size=2, iterations=1, checkpoint_every=100,
        output_dir=str(tmp_path / "run"), tensorboard=False, ema_decay=None, seed=3, init_gain=0.2,
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def float64(monkeypatch):
    """Models, images and label maps in float64.

    The comparison should measure the two algorithms, not float32 rounding: in these tiny
    train-mode models (batch norm over 2 x 1 x 1 values at the first block) rounding alone moves
    some float32 gradients by several percent.
    """
    one_hot = trainer_module.semantic_input
    monkeypatch.setattr(trainer_module, "semantic_input", lambda *args: one_hot(*args).double())
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(torch.float32)


def test_lookup_and_convolution_iterations_agree(tmp_path, monkeypatch, float64):
    lookups = []
    original = label_lookup._TapSums.forward
    monkeypatch.setattr(label_lookup._TapSums, "forward", staticmethod(lambda *a: lookups.append(1) or original(*a)))
    trainers = {}
    for lookup in (False, None):  # None: the default, on for CPU
        data = ToyPairs(n=4)
        data.image = data.image.double()
        trainer = Trainer(_config(tmp_path / str(lookup), label_lookup=lookup), data, show_progress=False)
        lookups.clear()
        trainer.fit()
        trainers[lookup] = (trainer, len(lookups))
    (conv, conv_calls), (lookup, lookup_calls) = trainers[False], trainers[None]
    assert conv_calls == 0 and lookup_calls > 0
    assert lookup.generator.label_lookup and lookup.discriminator.label_lookup
    for name, value in conv.last_losses.items():
        assert abs(lookup.last_losses[name] - value) < 1e-4 * max(1.0, abs(value)), name
    # The gradients of the iteration (G's from its step, D's from its step after G's update).
    for a, b in ((conv.generator, lookup.generator), (conv.discriminator, lookup.discriminator)):
        scale = max(float(p.grad.abs().max()) for p in a.parameters())
        for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
            torch.testing.assert_close(q.grad, p.grad, rtol=1e-6, atol=1e-9 * scale, msg=name)


def test_label_lookup_setting_is_validated_and_settable_from_the_command_line():
    assert resolve_config(set_items=["label_lookup=false"]).label_lookup is False
    assert resolve_config().label_lookup is None
    with pytest.raises(ValueError, match="label_lookup must be true, false or null"):
        resolve_config(set_items=["label_lookup=sometimes"])
