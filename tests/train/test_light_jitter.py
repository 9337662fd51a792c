"""`light_jitter`: a random light for each real photo of a step, so that the style code must carry it."""

import pytest
import torch
from train_helpers import toy_encoder_trainer

from gaugan.train import TrainConfig
from gaugan.train.light_jitter import jitter_light


def _photos() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.rand(64, 3, 8, 8) * 1.2 - 0.6  # mid-grey photos, away from the clipping ends


def test_off_returns_the_photos_untouched():
    photos = _photos()
    assert jitter_light(photos, 0.0) is photos


def test_each_photo_gets_its_own_exposure_within_the_strength():
    photos = _photos()
    lit = jitter_light(photos, 0.5, torch.Generator().manual_seed(1))
    assert lit.shape == photos.shape and lit.min() >= -1 and lit.max() <= 1
    # mean intensity ratio per photo: exposure x white balance (contrast keeps the mean, clipping aside)
    ratio = ((lit + 1) / 2).mean((1, 2, 3)) / ((photos + 1) / 2).mean((1, 2, 3))
    assert ratio.min() > 2 ** -0.7 and ratio.max() < 2 ** 0.7
    assert ratio.max() / ratio.min() > 1.5  # 64 draws spread over most of 2^[-0.5, 0.5] x 2^[-0.125, 0.125]
    # white balance: the channels of one photo move apart
    channel_ratio = ((lit + 1) / 2).mean((2, 3)) / ((photos + 1) / 2).mean((2, 3))  # (64, 3)
    assert (channel_ratio.max(1).values / channel_ratio.min(1).values).max() > 1.05


def test_without_white_balance_the_channels_move_together():
    photos = _photos()
    lit = jitter_light(photos, 0.3, torch.Generator().manual_seed(1), white_balance=False)
    # exposure and contrast act on all three channels alike: each pixel's channel differences scale alike
    spread = lit - lit.mean(1, keepdim=True)
    source = photos - photos.mean(1, keepdim=True)
    scale = (spread * source).sum((1, 2, 3)) / (source * source).sum((1, 2, 3))  # (64,) per photo
    torch.testing.assert_close(spread, source * scale[:, None, None, None], atol=1e-5, rtol=1e-4)


def test_the_same_generator_state_gives_the_same_light():
    photos = _photos()
    first = jitter_light(photos, 0.5, torch.Generator().manual_seed(7))
    again = jitter_light(photos, 0.5, torch.Generator().manual_seed(7))
    other = jitter_light(photos, 0.5, torch.Generator().manual_seed(8))
    assert torch.equal(first, again) and not torch.equal(first, other)


def _trainer(tmp_path, **changes):
    return toy_encoder_trainer(tmp_path, **{**dict(lambda_l1=1.0), **changes})


def test_a_step_judges_and_reconstructs_the_relit_photo(tmp_path, monkeypatch):
    """Every use of the real photo in a step (encoder, D, L1) reads the relit one."""
    trainer = _trainer(tmp_path, light_jitter=1.0)
    micro_batches = trainer._micro_batches(next(iter(trainer._loader(0, 0))))
    seen = []
    original = trainer.step_fn.generate

    def spy(semantics, real, *args, **kwargs):
        seen.append(real.clone())
        return original(semantics, real, *args, **kwargs)

    monkeypatch.setattr(trainer.step_fn, "generate", spy)
    torch.manual_seed(5)
    trainer.step_fn(micro_batches)
    torch.manual_seed(5)
    expected = jitter_light(micro_batches[0][1], 1.0)
    torch.testing.assert_close(seen[0], expected)
    assert not torch.allclose(seen[0], micro_batches[0][1])


def test_off_by_default_and_out_of_range_strengths_are_refused_by_name():
    assert TrainConfig().light_jitter == 0
    for bad in (-0.1, 2.5):
        with pytest.raises(ValueError, match=f"light_jitter must be in \\[0, 2\\].*got {bad}"):
            TrainConfig(light_jitter=bad)


def test_without_the_discriminator_only_the_encoder_and_the_targets_read_the_relit_photo(tmp_path, monkeypatch):
    """light_jitter_discriminator=false: D learns the photo in its own light as real, while the
    encoder, the L1 and the feature-matching targets read the relit one."""
    trainer = _trainer(tmp_path, light_jitter=1.0, light_jitter_discriminator=False)
    step = trainer.step_fn
    micro_batches = trainer._micro_batches(next(iter(trainer._loader(0, 0))))
    photo = micro_batches[0][1].clone()
    encoded, judged_real, targets = [], [], []
    # Each of these takes (semantics, photo, ...): the photo it reads is its second argument.
    for name, store in (("generate", encoded), ("discriminator_losses", judged_real), ("generator_losses", targets)):
        original = getattr(step, name)

        def spy(*args, _original=original, _store=store, **kwargs):
            _store.append(args[1].clone())
            return _original(*args, **kwargs)

        monkeypatch.setattr(step, name, spy)
    torch.manual_seed(5)
    losses = step(micro_batches)
    torch.manual_seed(5)
    relit = jitter_light(photo, 1.0)
    assert not torch.allclose(relit, photo)
    torch.testing.assert_close(encoded[0], relit)
    torch.testing.assert_close(targets[0], relit)
    torch.testing.assert_close(judged_real[0], photo)
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values()) and "G_L1" in losses


def test_the_discriminator_reads_the_relit_photo_by_default(tmp_path, monkeypatch):
    trainer = _trainer(tmp_path, light_jitter=1.0)
    step = trainer.step_fn
    micro_batches = trainer._micro_batches(next(iter(trainer._loader(0, 0))))
    photo = micro_batches[0][1].clone()
    judged_real = []
    original = step.discriminator_losses
    monkeypatch.setattr(step, "discriminator_losses", lambda *a, **k: judged_real.append(a[1].clone()) or original(*a, **k))
    torch.manual_seed(5)
    step(micro_batches)
    torch.manual_seed(5)
    torch.testing.assert_close(judged_real[0], jitter_light(photo, 1.0))
    assert TrainConfig().light_jitter_discriminator is True
