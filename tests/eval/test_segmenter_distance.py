"""The Frechet segmenter distance: segmenter features, zero on identical sets, growth with distortion."""

import numpy as np
import pytest
import torch
from train_helpers import TOY_LABELS, ToyPairs

from gaugan.eval.segmenter import SegmenterConfig, SmallSegmenter
from gaugan.eval.segmenter_distance import extract_segmenter_features, frechet_segmenter_distance, segmenter_features
from gaugan.eval.segmenters import load_segmenter, save_segmenter
from gaugan.eval.train_segmenter import train_segmenter


@pytest.fixture(scope="module")
def toy_segmenter():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    model, _ = train_segmenter(ToyPairs(n=16, size=32), TOY_LABELS, steps=40, batch_size=8, width=8, depth=2, progress=False)
    torch.set_num_threads(threads)
    return model


def test_features_pool_the_deepest_map_and_the_stem():
    model = SmallSegmenter(SegmenterConfig(num_classes=3, width=8, depth=2)).eval()
    images = torch.rand(5, 3, 32, 24) * 2 - 1
    with torch.no_grad():
        features = model.features(images)
    assert features.shape == (5, 8 * 4 + 8)
    with torch.no_grad():
        stem = model.stem(images).mean((2, 3))
    torch.testing.assert_close(features[:, 32:], stem)
    torch.jit.script(model)  # the export path still scripts


def test_a_loaded_gaugan_segmenter_has_features_and_a_torchscript_one_does_not(toy_segmenter, tmp_path):
    save_segmenter(toy_segmenter, tmp_path / "seg", {"dataset": "toy"})
    loaded, _ = load_segmenter(tmp_path / "seg")
    assert segmenter_features(loaded) is not None
    torch.jit.script(toy_segmenter).save(str(tmp_path / "seg.pt"))
    scripted, _ = load_segmenter(tmp_path / "seg.pt")
    assert segmenter_features(scripted) is None


def test_fsd_is_zero_for_identical_sets_and_grows_with_noise(toy_segmenter, one_thread):
    images = ToyPairs(n=24, size=32, seed=3).image
    features = segmenter_features(toy_segmenter)
    real = extract_segmenter_features(features, images, batch_size=10)
    assert real.shape == (24, 40) and real.dtype == np.float64
    assert abs(frechet_segmenter_distance(real, real)) < 1e-6
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(images.shape, generator=g)
    distances = [frechet_segmenter_distance(real, extract_segmenter_features(features, (images + s * noise).clamp(-1, 1)))
                 for s in (0.1, 0.3, 0.6)]
    assert 0 < distances[0] < distances[1] < distances[2]
