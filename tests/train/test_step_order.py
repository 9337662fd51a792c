"""The iteration's order (`gaugan.train.step`): D's update, then G's against the updated D, one
generator pass feeding both when there is one micro-batch; with accumulation G regenerates."""

import dataclasses

import torch
from train_helpers import ToyPairs

from gaugan.train import TrainConfig, Trainer


def _trainer(tmp_path, size=32, **changes):
    config = TrainConfig(ngf=8, ndf=8, crop_size=size, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=2,
                         iterations=1, checkpoint_every=100, output_dir=str(tmp_path / "run"), tensorboard=False,
                         ema_decay=None, seed=3, precision="fp32")  # the reference below computes in fp32
    return Trainer(dataclasses.replace(config, **changes), ToyPairs(n=4, size=size), show_progress=False)


def _record(trainer):
    """Every generator output, and for every discriminator call: (image batch, D's first weight,
    the power-iteration vector u of its first spectral norm after the call)."""
    calls = {"G": [], "D": []}
    first_weight = next(trainer.discriminator.parameters())
    spectral = next(m for m in trainer.discriminator.modules() if hasattr(m, "_u"))
    trainer.generator.register_forward_hook(lambda m, args, out: calls["G"].append(out.detach().clone()))
    trainer.discriminator.register_forward_hook(lambda m, args, out: calls["D"].append(
        (args[1].detach().clone(), first_weight.detach().clone(), spectral._u.clone())))
    return calls


def test_one_generator_pass_feeds_the_d_update_then_the_g_update_against_the_updated_d(tmp_path):
    trainer = _trainer(tmp_path)
    calls = _record(trainer)
    g_before = [p.detach().clone() for p in trainer.generator.parameters()]
    trainer.fit()
    assert len(calls["G"]) == 1  # one generator forward per iteration
    fake = calls["G"][0]
    (d_images, d_weight, d_u), (g_fake, g_step_weight, fake_u), (g_real, _, real_u) = calls["D"]
    # D's update sees that fake (its first half) and the real batch ...
    torch.testing.assert_close(d_images[: fake.size(0)], fake)
    assert d_images.size(0) == 2 * fake.size(0)
    # ... then G's update judges the same fake, and the real images, with D's updated weights.
    torch.testing.assert_close(g_fake, fake)
    torch.testing.assert_close(g_real, d_images[fake.size(0):])
    assert not torch.equal(g_step_weight, d_weight)
    # The real image's call runs no power iteration: fake and real are judged with one sigma.
    assert torch.equal(real_u, fake_u) and not torch.equal(fake_u, d_u)
    assert any(not torch.equal(a, b) for a, b in zip(g_before, trainer.generator.parameters()))


def test_with_accumulation_each_micro_batch_is_generated_for_d_and_again_for_g(tmp_path):
    trainer = _trainer(tmp_path, size=64, batch_size=1, grad_accumulation=2)  # 64 px: 2x2 at G's head
    calls = _record(trainer)
    trainer.fit()
    assert len(calls["G"]) == 4  # two micro-batches, each generated once for D and once for G
    # Pass 1 and 3 are micro-batch 0 with the same weights (G only steps after its update; the
    # spectral norms' power iteration moves sigma a little in between), pass 2 is another batch.
    same = (calls["G"][0] - calls["G"][2]).abs().max()
    other = (calls["G"][0] - calls["G"][1]).abs().max()
    assert same < 0.02 * other, (same, other)
