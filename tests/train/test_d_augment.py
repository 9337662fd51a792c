"""DiffAugment for the conditioned discriminator (`gaugan.train.d_augment`): label maps move with
their pictures, cut-outs and colours touch pictures only, gradients pass, and the training step
judges real and fake of a sample under the same draw in all three discriminator calls."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from train_helpers import ToyPairs

from gaugan.train import TrainConfig, Trainer
from gaugan.train.d_augment import AugmentParams, draw, parse_operations


def _one_hot(ids: torch.Tensor, classes: int) -> torch.Tensor:
    return F.one_hot(ids, classes).permute(0, 3, 1, 2).float()


def test_translation_moves_label_and_picture_by_the_same_whole_pixels_and_keeps_one_hot():
    torch.manual_seed(0)
    n, h, w = 16, 24, 32
    ids = torch.zeros(n, h, w, dtype=torch.long)
    ids[:, 10, 12] = 1  # one marked pixel per sample
    labels = _one_hot(ids, 3)
    picture = labels[:, :3].clone()
    params = draw(("translation",), n, h, w)
    moved_labels, moved_picture = params.labels(labels), params.image(picture)
    # Every pixel is still exactly one class (borders repeat, nothing is blended or zeroed).
    assert torch.equal(moved_labels.sum(1), torch.ones(n, h, w))
    shifts = set()
    for i in range(n):
        where = (moved_labels[i, 1] == 1).nonzero().tolist()
        assert where == (moved_picture[i, 1] == 1).nonzero().tolist()  # the picture moved with its label
        (y, x), = where
        dy, dx = y - 10, x - 12
        assert abs(dy) <= 3 and abs(dx) <= 4  # at most 1/8 of each side
        shifts.add((dy, dx))
    assert len(shifts) > 4  # drawn per sample


def test_cutout_blanks_a_half_size_rectangle_of_the_picture_only_and_passes_gradients():
    torch.manual_seed(1)
    n, h, w = 64, 16, 20
    labels = _one_hot(torch.randint(0, 4, (n, h, w)), 4)
    picture = (torch.rand(n, 3, h, w) + 1).requires_grad_()  # never 0 before the cut
    params = draw(("cutout",), n, h, w)
    assert torch.equal(params.labels(labels), labels)
    out = params.image(picture)
    cut = (out == 0).all(1)  # (N, H, W)
    for i in range(n):
        rows, cols = cut[i].any(1).nonzero().squeeze(1), cut[i].any(0).nonzero().squeeze(1)
        assert rows.numel() <= h // 2 and cols.numel() <= w // 2
        # A rectangle: every pixel in its rows x cols is cut.
        assert cut[i][rows.min(): rows.max() + 1, cols.min(): cols.max() + 1].all()
    assert (cut.flatten(1).sum(1) == (h // 2) * (w // 2)).float().mean() > 0.1  # fully inside in ~1 of 4
    out.sum().backward()
    torch.testing.assert_close(picture.grad, (~cut)[:, None].expand(-1, 3, -1, -1).float())


def test_colour_shifts_brightness_saturation_contrast_of_pictures():
    picture = torch.rand(2, 3, 8, 8) * 2 - 1
    brighter = AugmentParams(brightness=torch.full((2, 1, 1, 1), 0.25), saturation=torch.ones(2, 1, 1, 1),
                             contrast=torch.ones(2, 1, 1, 1))
    torch.testing.assert_close(brighter.image(picture), picture + 0.25)
    grey = dataclasses.replace(brighter, brightness=torch.zeros(2, 1, 1, 1), saturation=torch.zeros(2, 1, 1, 1))
    out = grey.image(picture)
    torch.testing.assert_close(out, picture.mean(1, keepdim=True).expand_as(out))
    flat = dataclasses.replace(grey, saturation=torch.ones(2, 1, 1, 1), contrast=torch.zeros(2, 1, 1, 1))
    torch.testing.assert_close(flat.image(picture), picture.mean((1, 2, 3), keepdim=True).expand_as(picture))


def test_fakes_and_reals_batched_together_share_their_samples_draws():
    torch.manual_seed(2)
    n = 3
    params = draw(("color", "translation", "cutout"), n, 16, 16)
    fake, real = torch.rand(n, 3, 16, 16), torch.rand(n, 3, 16, 16)
    both = params.image(torch.cat([fake, real]))
    torch.testing.assert_close(both[:n], params.image(fake))
    torch.testing.assert_close(both[n:], params.image(real))


def test_operations_are_named_and_unknown_ones_refused():
    assert parse_operations("") == () and draw((), 2, 8, 8) is None
    assert parse_operations(" color, cutout ") == ("color", "cutout")
    with pytest.raises(ValueError, match="unknown operation 'flip'"):
        parse_operations("color,flip")
    with pytest.raises(ValueError, match="unknown operation 'rotate'"):
        TrainConfig(d_augment="rotate")
    with pytest.raises(ValueError, match="d_augment works with the multi-scale discriminator"):
        TrainConfig(d_augment="color", discriminator="oasis", generator="oasis", use_vae=False)


def test_the_step_judges_every_pair_under_one_draw_in_all_three_discriminator_calls(tmp_path):
    config = TrainConfig(ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=2,
                         iterations=1, checkpoint_every=100, output_dir=str(tmp_path / "run"), tensorboard=False,
                         ema_decay=None, seed=3, precision="fp32", d_augment="translation,cutout")
    data = ToyPairs(n=4)
    trainer = Trainer(config, data, show_progress=False)
    fakes, judged = [], []
    trainer.generator.register_forward_hook(lambda m, args, out: fakes.append(out.detach().clone()))
    trainer.discriminator.register_forward_hook(lambda m, args, out: judged.append(
        (args[0].semantics.detach().clone(), args[1].detach().clone())))
    trainer.fit()
    (d_labels, d_pictures), (g_labels, g_fake), (r_labels, g_real) = judged
    assert torch.equal(d_labels, g_labels) and torch.equal(d_labels, r_labels)  # one translated label map
    assert torch.equal(d_labels.sum(1), torch.ones_like(d_labels[:, 0]))  # ... still one-hot
    torch.testing.assert_close(d_pictures[:2], g_fake)  # the fake under the same draw in D's and G's update
    torch.testing.assert_close(d_pictures[2:], g_real)  # the real, likewise
    # The cut-out is where the fake and the real are both exactly 0 (neither is anywhere else).
    cut_fake, cut_real = (g_fake == 0).all(1), (g_real == 0).all(1)
    assert torch.equal(cut_fake, cut_real) and 0 < cut_fake.float().mean() <= 0.25
    assert not (fakes[0] == 0).all(1).any()  # the generator's own output has no hole


def test_a_resumed_augmented_run_repeats_the_same_draws(tmp_path):
    config = TrainConfig(ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=2,
                         iterations=4, checkpoint_every=100, log_every=1, tensorboard=False, seed=3, precision="fp32",
                         ema_decay=None, d_augment="color,translation,cutout", output_dir=str(tmp_path / "straight"))
    straight = Trainer(config, ToyPairs(n=8), show_progress=False)
    straight.fit()
    resumed_config = dataclasses.replace(config, output_dir=str(tmp_path / "resumed"))
    Trainer(resumed_config, ToyPairs(n=8), show_progress=False).fit(max_steps=2)
    second = Trainer(resumed_config, ToyPairs(n=8), resume=True, show_progress=False)
    second.fit()
    assert straight.history[2:] == second.history
    plain = Trainer(dataclasses.replace(config, d_augment="", output_dir=str(tmp_path / "plain")), ToyPairs(n=8),
                    show_progress=False)
    plain.fit()
    assert plain.history[0]["D_real"] != straight.history[0]["D_real"]  # the augmentation changed what D saw
