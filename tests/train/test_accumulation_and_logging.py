"""Gradient accumulation, bf16 autocast and the TensorBoard / HTML outputs of a run."""

import dataclasses

import torch
from train_helpers import ToyPairs, float64_everywhere

from gaugan.train import TrainConfig, Trainer
from gaugan.train.ema import refresh_spectral_vectors


def _config(tmp_path, **changes):
    base = TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=4, iterations=1,
        checkpoint_every=100, output_dir=str(tmp_path / "run"), tensorboard=False, ema_decay=None, seed=1,
        init_gain=0.2,
    )
    return dataclasses.replace(base, **changes)


def _grads(trainer):
    return {n: p.grad.clone() for n, p in trainer.generator.named_parameters()}


def _converged(trainer):
    # Spectral norm runs one power iteration per training forward; from a fresh random matrix
    # (close top singular values) u and v are still moving, so two micro-batch forwards would
    # normalise by a slightly different sigma than one. Converge them first.
    refresh_spectral_vectors(trainer.generator, 500)
    refresh_spectral_vectors(trainer.discriminator, 500)
    return trainer


def test_two_accumulated_micro_batches_equal_one_batch(tmp_path):
    # Instance norm: per-sample statistics, so micro-batches see exactly what the whole batch sees
    # (with batch norm they would not, by design). 64 px keeps the first feature map above 1x1.
    # lr 0: G's update follows D's, and after a real D step its spectral norms' vectors are off
    # their fixed point, so the micro-batches' extra power iterations would move sigma; what each
    # optimiser receives is compared. float64: at G's 2x2 head, instance norm over 4 values
    # amplifies float32 rounding to 3e-3 of the largest gradient.
    exact = dict(norm="instance", crop_size=64, lr=0.0)
    with float64_everywhere():
        whole = _converged(Trainer(_config(tmp_path / "a", **exact), ToyPairs(n=8, size=64), show_progress=False))
        whole.fit()
        accumulated = _converged(Trainer(
            _config(tmp_path / "b", batch_size=2, grad_accumulation=2, **exact), ToyPairs(n=8, size=64), show_progress=False
        ))
        accumulated.fit()
    a, b = _grads(whole), _grads(accumulated)
    scale = max(g.abs().max() for g in a.values())
    for name in a:
        # 1e-6, not float64 rounding: the micro-batches' extra power iterations still move sigma a little.
        torch.testing.assert_close(b[name], a[name], rtol=1e-4, atol=1e-6 * float(scale), msg=name)
    for name, value in whole.last_losses.items():  # the losses are reduced in float32
        assert abs(accumulated.last_losses[name] - value) < 1e-5 * max(1.0, abs(value)), name


def test_bf16_autocast_trains_with_finite_losses(tmp_path):
    trainer = Trainer(_config(tmp_path, precision="bf16", iterations=1, batch_size=2), ToyPairs(n=2), show_progress=False)
    losses = trainer.fit()
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert all(p.dtype == torch.float32 for p in trainer.generator.parameters())  # master weights stay fp32


def test_tensorboard_scalars_images_and_sample_page(tmp_path):
    config = _config(tmp_path, tensorboard=True, iterations=2, batch_size=2, log_every=1, sample_every=2, num_samples=2)
    Trainer(config, ToyPairs(n=4), show_progress=False).fit()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    assert {"loss/G_GAN", "loss/D_real", "lr/generator"} <= set(events.Tags()["scalars"])
    assert [e.step for e in events.Scalars("loss/G_GAN")] == [1, 2]
    assert events.Tags()["images"] == ["samples/label|generated|real"]
    page = (tmp_path / "run" / "samples" / "index.html").read_text()
    assert "step_00000002.png" in page
