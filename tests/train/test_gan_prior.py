"""`lambda_gan_prior`: the discriminator also judges pictures painted from prior codes (what seeds
paint), and the generator is charged their GAN loss (BicycleGAN's cLR-GAN branch)."""

import inspect

import pytest
import torch
from train_helpers import toy_encoder_trainer

from gaugan.train import TrainConfig


def _spy(monkeypatch, step, name, store):
    original = getattr(step, name)

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        store.append(result)
        return result

    monkeypatch.setattr(step, name, spy)


@pytest.mark.parametrize("accumulation", [1, 2])
def test_d_judges_pictures_of_prior_codes_and_g_is_charged_for_them(tmp_path, monkeypatch, accumulation):
    trainer = toy_encoder_trainer(tmp_path, lambda_gan_prior=0.5, grad_accumulation=accumulation)
    step = trainer.step_fn
    prior_pictures, encoded_pictures, judged = [], [], []
    _spy(monkeypatch, step, "generate_from_prior", prior_pictures)
    _spy(monkeypatch, step, "generate", encoded_pictures)
    original = step.discriminator_losses
    signature = inspect.signature(original)

    def judge(*args, **kwargs):  # records the prior_fake argument, however it was passed
        judged.append(signature.bind(*args, **kwargs).arguments.get("prior_fake"))
        return original(*args, **kwargs)

    monkeypatch.setattr(step, "discriminator_losses", judge)
    losses = step(trainer._micro_batches(next(iter(trainer._loader(0, 0)))))
    assert {"D_fake_prior", "G_GAN_prior"} <= set(losses) and all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    prior, encoded = prior_pictures[0], encoded_pictures[0][0]
    assert prior.shape == encoded.shape and prior.shape[1] == 3
    assert not torch.allclose(prior, encoded, atol=1e-3)  # another code than the encoder's
    assert judged[0] is prior_pictures[0]  # the discriminator's update judged them


def test_the_prior_branch_trains_the_generator_not_the_encoder(tmp_path, monkeypatch):
    trainer = toy_encoder_trainer(tmp_path, lambda_gan_prior=1.0)
    step = trainer.step_fn
    original = step.generator_losses
    # Keep only the prior pictures' GAN loss in G's update.
    monkeypatch.setattr(step, "generator_losses",
                        lambda *a, **k: {"G_GAN_prior": original(*a, **k)["G_GAN_prior"]})
    # Weights, not buffers: the encoder's forward still runs its spectral norms' power iteration.
    generator = {k: v.detach().clone() for k, v in trainer.generator.named_parameters()}
    encoder = {k: v.detach().clone() for k, v in trainer.encoder.named_parameters()}
    step(trainer._micro_batches(next(iter(trainer._loader(0, 0)))))
    assert any(not torch.equal(v, dict(trainer.generator.named_parameters())[k]) for k, v in generator.items())
    assert all(torch.equal(v, dict(trainer.encoder.named_parameters())[k]) for k, v in encoder.items())


def test_off_by_default_and_refused_without_an_encoder():
    assert TrainConfig().lambda_gan_prior == 0
    with pytest.raises(ValueError, match="lambda_gan_prior judges pictures of prior codes: it needs use_vae"):
        TrainConfig(lambda_gan_prior=1.0)
    with pytest.raises(ValueError, match="lambda_gan_prior must be >= 0, got -1"):
        TrainConfig(lambda_gan_prior=-1.0, use_vae=True)


@pytest.mark.parametrize("weight", [0.5, 3.0])
def test_both_kinds_of_fake_together_weigh_as_much_as_the_reals(tmp_path, weight):
    """With the prior pictures the same as the encoded ones, D's two fake terms add up to the plain one."""
    trainer = toy_encoder_trainer(tmp_path, lambda_gan_prior=weight)
    step = trainer.step_fn
    semantics, real = trainer._micro_batches(next(iter(trainer._loader(0, 0))))[0]
    fake = torch.rand_like(real) * 2 - 1
    trainer.discriminator.eval()  # no power iteration between the two calls
    with torch.no_grad():
        plain = step.discriminator_losses(semantics, real, fake)
        both = step.discriminator_losses(semantics, real, fake, prior_fake=fake.clone())
    torch.testing.assert_close(both["D_fake"] + both["D_fake_prior"], plain["D_fake"])
    torch.testing.assert_close(both["D_fake_prior"] / both["D_fake"], torch.tensor(weight))
    torch.testing.assert_close(both["D_real"], plain["D_real"])
