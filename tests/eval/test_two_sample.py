"""The classifier two-sample test: layout split, power on different distributions, calibration on one."""

import pytest
import torch

from gaugan.eval.two_sample import C2STSettings, classifier_size, classifier_two_sample_test, prepare_pictures, split_layouts

FAST = C2STSettings(steps=60, batch_size=16, width=8, seed=0)


def smooth_pictures(n: int, size: int = 32, seed: int = 0) -> torch.Tensor:
    """(n, 3, size, size) in [-1, 1]: a random linear colour gradient per picture (a stand-in for 'real')."""
    g = torch.Generator().manual_seed(seed)
    ramp = torch.linspace(-1, 1, size)
    slope_x, slope_y, offset = (torch.rand(3, n, 3, 1, 1, generator=g) - 0.5) * torch.tensor([1.0, 1.0, 0.6]).view(3, 1, 1, 1, 1)
    return (slope_x * ramp.view(1, 1, 1, -1) + slope_y * ramp.view(1, 1, -1, 1) + offset).clamp(-1, 1)


def test_the_layout_split_is_disjoint_covers_every_layout_and_is_seeded():
    for count in (4, 7, 100):
        first, second = split_layouts(count, seed=3)
        assert set(first.tolist()).isdisjoint(second.tolist())  # no layout on both sides
        assert sorted(first.tolist() + second.tolist()) == list(range(count))
        assert len(first) == count // 2
        again, _ = split_layouts(count, seed=3)
        assert torch.equal(first, again)
    assert not torch.equal(split_layouts(100, 0)[0], split_layouts(100, 1)[0])


def test_pictures_are_downsampled_to_the_width_cap_and_rounded_to_8_bits():
    assert classifier_size(192, 256, 128) == (96, 128)
    assert classifier_size(24, 32, 128) == (24, 32)  # never upsampled
    images = torch.rand(2, 3, 192, 256) * 2 - 1
    small = prepare_pictures(images, 128)
    assert small.shape == (2, 3, 96, 128) and small.dtype == torch.uint8
    assert torch.equal(prepare_pictures(small, 128), small)  # prepared once, kept as is
    tiny = prepare_pictures(images[..., :32, :32], 128)
    assert torch.equal(tiny, ((images[..., :32, :32] + 1) * 127.5).round().to(torch.uint8))  # only rounded


def test_noisy_pictures_are_told_apart_from_smooth_ones(one_thread):
    real = smooth_pictures(32)
    fake = (real + 0.3 * torch.randn(real.shape, generator=torch.Generator().manual_seed(1))).clamp(-1, 1)
    result = classifier_two_sample_test(real, fake, FAST)
    assert result.accuracy > 0.9 and result.paired_accuracy > 0.9
    # The cross-entropy keeps ordering once the accuracies saturate: more noise, easier, fewer bits.
    noisier = classifier_two_sample_test(real, (real + 0.6 * torch.randn(real.shape, generator=torch.Generator().manual_seed(1))).clamp(-1, 1), FAST)
    assert noisier.accuracy >= 0.95 and noisier.log_loss_bits < result.log_loss_bits < 0.8
    assert result.pairs == 32 and result.tested == 64  # two swapped halves: every layout tested once
    assert len(result.fold_accuracies) == 2 and result.resolution == (32, 32)
    assert "C2ST" in result.describe() and "60 steps" in result.describe()


def test_two_samples_of_one_distribution_score_near_chance(one_thread):
    real, fake = smooth_pictures(48, seed=0), smooth_pictures(48, seed=1)
    result = classifier_two_sample_test(real, fake, FAST)
    assert 0.3 < result.accuracy < 0.7
    assert 0 < result.stderr < 0.1
    assert result.log_loss_bits > 0.9  # about chance (1 bit), more where the classifier overfits


def test_the_test_is_deterministic_for_a_seed_and_leaves_the_global_rng_alone(one_thread):
    real = smooth_pictures(16)
    fake = (real * 0.7).clamp(-1, 1)  # a contrast loss
    settings = C2STSettings(steps=20, batch_size=8, width=8, folds=1, seed=5)
    torch.manual_seed(123)
    first = classifier_two_sample_test(real, fake, settings)
    after = torch.rand(())
    torch.manual_seed(123)
    second = classifier_two_sample_test(real, fake, settings)
    assert torch.equal(after, torch.rand(()))
    assert first.correct == second.correct and first.fold_accuracies == second.fold_accuracies
    assert first.tested == 16  # one fold: the 8 held-out layouts' real and generated pictures


def test_prepared_uint8_pictures_downsample_like_floats():
    images = torch.rand(2, 3, 64, 64) * 2 - 1
    full = prepare_pictures(images, 64)
    assert (prepare_pictures(full, 32).int() - prepare_pictures(images, 32).int()).abs().max() <= 1


def test_repeats_average_whole_tests_on_disjointly_seeded_splits(one_thread):
    real = smooth_pictures(16)
    fake = (real + 0.3 * torch.randn(real.shape, generator=torch.Generator().manual_seed(1))).clamp(-1, 1)
    settings = C2STSettings(steps=20, batch_size=8, width=8, seed=3)
    repeated = classifier_two_sample_test(real, fake, C2STSettings(steps=20, batch_size=8, width=8, seed=3, repeats=3))
    # Repeat r is exactly the single test with seed 3 + 2r (its folds' classifiers: 3 + 2r and 4 + 2r).
    singles = [classifier_two_sample_test(real, fake, C2STSettings(steps=20, batch_size=8, width=8, seed=s)) for s in (3, 5, 7)]
    assert repeated.repeat_log_loss_bits == [s.log_loss_bits for s in singles]
    assert repeated.repeat_accuracies == [s.accuracy for s in singles]
    assert repeated.fold_accuracies == [a for s in singles for a in s.fold_accuracies]
    assert repeated.log_loss_bits == sum(s.log_loss_bits for s in singles) / 3
    assert repeated.correct == sum(s.correct for s in singles) and repeated.tested == 3 * 32
    bits = torch.tensor([s.log_loss_bits for s in singles], dtype=torch.float64)
    assert repeated.log_loss_bits_stderr == pytest.approx(float(bits.std() / 3 ** 0.5))
    accuracies = torch.tensor([s.accuracy for s in singles], dtype=torch.float64)
    assert repeated.stderr == pytest.approx(float(accuracies.std() / 3 ** 0.5))
    assert "mean of 3 splits" in repeated.describe() and f"+- {repeated.log_loss_bits_stderr:.3f} bits" in repeated.describe()
    # One split keeps the binomial error and has no spread across splits to report.
    single = classifier_two_sample_test(real, fake, settings)
    assert single.log_loss_bits_stderr is None and single.repeat_log_loss_bits == [single.log_loss_bits]
    assert "splits" not in single.describe()
    with pytest.raises(ValueError, match="repeats >= 1"):
        C2STSettings(repeats=0)
