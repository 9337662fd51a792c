import numpy as np
import pytest
import torch

from gaugan.eval import ConfusionMatrix, FeatureStatistics, frechet_distance, kernel_inception_distance


def _features(n=400, d=16, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ mixing + rng.normal(size=d)


def test_fid_of_a_set_with_itself_is_zero():
    stats = FeatureStatistics.of(_features())
    assert abs(frechet_distance(stats, stats)) < 1e-6


def test_fid_grows_monotonically_with_added_noise():
    base = _features()
    reference = FeatureStatistics.of(base)
    rng = np.random.default_rng(1)
    noise = rng.normal(size=base.shape)
    values = [frechet_distance(reference, FeatureStatistics.of(base + s * noise)) for s in (0.0, 0.5, 1.0, 2.0, 4.0)]
    assert values[0] < 1e-6
    assert all(b > a for a, b in zip(values, values[1:])), values


def test_fid_matches_the_closed_form_and_scipy_sqrtm():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a, b = FeatureStatistics.of(_features(seed=2)), FeatureStatistics.of(_features(seed=3))
    covmean = scipy_linalg.sqrtm(a.sigma @ b.sigma).real
    expected = ((a.mu - b.mu) ** 2).sum() + np.trace(a.sigma + b.sigma - 2 * covmean)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    # Two 1-d Gaussians: (m1 - m2)^2 + (s1 - s2)^2.
    one = FeatureStatistics(np.array([1.0]), np.array([[4.0]]), 10)
    two = FeatureStatistics(np.array([3.0]), np.array([[9.0]]), 10)
    assert frechet_distance(one, two) == pytest.approx(4.0 + 1.0)


def test_statistics_round_trip_through_a_file(tmp_path):
    stats = FeatureStatistics.of(_features())
    stats.save(tmp_path / "s.npz", {"dataset": "x"})
    loaded = FeatureStatistics.load(tmp_path / "s.npz")
    assert np.array_equal(loaded.mu, stats.mu) and np.array_equal(loaded.sigma, stats.sigma) and loaded.count == 400


def test_kid_is_near_zero_for_the_same_distribution_and_larger_for_a_shifted_one():
    a, b = _features(seed=4), _features(seed=4)[::-1]
    same, _ = kernel_inception_distance(a, b, subsets=10, subset_size=200)
    shifted, _ = kernel_inception_distance(a, a + 3.0, subsets=10, subset_size=200)
    assert abs(same) < 0.05 * shifted and shifted > 0


def test_miou_and_accuracy_are_exact_on_hand_made_maps():
    # 4x4 ground truth with classes 0,1,2 and one don't-care pixel (id 3).
    target = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 2, 2], [2, 2, 2, 3]])
    prediction = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 1], [2, 2, 0, 0], [2, 2, 2, 1]])
    cm = ConfusionMatrix(num_classes=3, ignore_index=3)
    cm.update(target, prediction)
    scores = cm.result()
    # class 0: TP 3, GT 4, pred 5 -> IoU 3/6; class 1: TP 4, GT 4, pred 5 -> 4/5; class 2: TP 5, GT 7, pred 5 -> 5/7
    assert scores.per_class_iou == pytest.approx([3 / 6, 4 / 5, 5 / 7])
    assert scores.miou == pytest.approx((3 / 6 + 4 / 5 + 5 / 7) / 3)
    assert scores.accuracy == pytest.approx(12 / 15)


def test_classes_absent_everywhere_do_not_count_and_bad_predictions_are_misses():
    cm = ConfusionMatrix(num_classes=4)
    cm.update(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 0, 1, 9]))
    scores = cm.result()
    assert np.isnan(scores.per_class_iou[2]) and np.isnan(scores.per_class_iou[3])
    assert scores.miou == pytest.approx((1.0 + 0.5) / 2)
    assert scores.accuracy == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="differ in shape"):
        cm.update(torch.zeros(2, 2), torch.zeros(4))
