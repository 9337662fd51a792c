"""`lambda_l1_chroma`: L1 on the colour-difference channels alone (losses/chroma.py)."""

import pytest
import torch
from train_helpers import ToyPairs, toy_encoder_trainer

from gaugan.losses.chroma import chroma, chroma_l1
from gaugan.train import TrainConfig


def test_greys_have_no_chroma_and_primaries_have_bt601s():
    greys = torch.linspace(-1, 1, 5).view(5, 1, 1, 1).expand(5, 3, 2, 2)
    assert chroma(greys).abs().max() < 1e-6
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1)  # pure red in [-1, 1]
    blue = torch.tensor([-1.0, -1.0, 1.0]).view(1, 3, 1, 1)
    # BT.601 on [0, 1]: red has Cb -0.1687, Cr 0.5; blue Cb 0.5, Cr -0.0813; on [-1, 1] twice that
    torch.testing.assert_close(chroma(red).flatten(), torch.tensor([-0.337472, 1.0]))
    torch.testing.assert_close(chroma(blue).flatten(), torch.tensor([1.0, -0.162624]))
    with pytest.raises(ValueError, match=r"expected \(N, 3, H, W\) RGB pictures, got \(1, 1, 2, 2\)"):
        chroma(torch.zeros(1, 1, 2, 2))


def test_brightness_costs_nothing_and_colour_costs_its_mean_difference():
    real = torch.rand(2, 3, 8, 8) * 2 - 1
    brighter = real + 0.3  # the same colours, 0.3 brighter in every channel (outside [-1, 1] is fine here)
    assert chroma_l1(brighter, real) < 1e-6
    assert (brighter - real).abs().mean() == pytest.approx(0.3)  # what the RGB L1 would charge
    speckled = real.clone()
    speckled[:, 1, ::2, ::2] += 0.4  # green speckle on a quarter of the pixels
    expected = (chroma(speckled) - chroma(real)).abs().mean()
    assert chroma_l1(speckled, real) == pytest.approx(float(expected))
    assert float(expected) == pytest.approx(0.25 * 0.4 * (0.331264 + 0.418688) / 2, rel=1e-5)


def test_the_term_is_lambda_times_the_chroma_error_and_trains_generator_and_encoder(tmp_path):
    trainer = toy_encoder_trainer(tmp_path, lambda_l1_chroma=4.0)
    semantics, real = trainer._micro_batches(next(iter(trainer._loader(0, 0))))[0]
    fake, kld = trainer.step_fn.generate(semantics, real, trainer.generator, trainer.encoder, compute_kld=True)
    losses = trainer.step_fn.generator_losses(semantics, real, fake, kld)
    assert "G_L1" not in losses
    torch.testing.assert_close(losses["G_L1_chroma"].detach(), 4.0 * chroma_l1(fake.detach(), real))
    assert losses["G_L1_chroma"] > 0.01
    losses["G_L1_chroma"].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trainer.generator.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trainer.encoder.parameters())


def test_off_by_default_and_negative_weights_refused(tmp_path):
    assert TrainConfig().lambda_l1_chroma == 0
    with pytest.raises(ValueError, match="lambda_l1_chroma must be >= 0, got -1"):
        TrainConfig(lambda_l1_chroma=-1.0)


def _chroma_error(trainer) -> float:
    data = ToyPairs(n=4, size=32)
    with torch.no_grad():
        semantics, real = trainer._micro_batches({"label": data.label, "image": data.image})[0]
        fake, _ = trainer.step_fn.generate(semantics, real, trainer.generator, trainer.encoder, compute_kld=False)
    return float(chroma_l1(fake, real))


def test_training_with_it_brings_the_colours_closer_to_the_real_pictures(tmp_path):
    errors = {}
    for weight in (0.0, 100.0):
        trainer = toy_encoder_trainer(tmp_path / str(weight), lambda_l1_chroma=weight, iterations=60, lr=0.0005)
        trainer.fit()
        errors[weight] = _chroma_error(trainer)
    assert errors[100.0] < 0.7 * errors[0.0], errors
