"""Segmenter training, segmenter loading (ours / TorchScript) and the evaluation runner on toy data."""

import torch
from train_helpers import TOY_LABELS, ToyPairs

from gaugan.eval.evaluate import evaluate
from gaugan.eval.inception import FIDInceptionV3
from gaugan.eval.segmenters import load_segmenter, save_segmenter
from gaugan.eval.train_segmenter import evaluate_segmenter_on, train_segmenter
from gaugan.models import GauGAN, SPADEGenerator, SPADEGeneratorConfig


def test_small_segmenter_learns_the_toy_classes_and_round_trips(tmp_path):
    data = ToyPairs(n=16, size=32)
    model, losses = train_segmenter(data, TOY_LABELS, steps=60, batch_size=8, width=8, depth=2, progress=False)
    assert losses[-1] < 0.5 * losses[0]
    scores = evaluate_segmenter_on(ToyPairs(n=8, size=32, seed=1), model, TOY_LABELS)
    assert scores.miou > 0.8 and scores.accuracy > 0.9  # colours identify the classes
    save_segmenter(model, tmp_path / "seg", {"dataset": "toy"})
    loaded, classes = load_segmenter(tmp_path / "seg")
    images = data.image[:2]
    assert classes == 3 and torch.equal(loaded(images), model(images))
    scripted = tmp_path / "seg.pt"
    torch.jit.script(model).save(str(scripted))
    from_script, _ = load_segmenter(scripted)
    torch.testing.assert_close(from_script(images), model(images))


def test_evaluate_scores_real_above_an_untrained_generator_and_computes_fid(tmp_path):
    data = ToyPairs(n=8, size=32, seed=2)
    segmenter, _ = train_segmenter(ToyPairs(n=16, size=32), TOY_LABELS, steps=60, batch_size=8, width=8, depth=2, progress=False)
    torch.manual_seed(0)
    generator = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8))
    model = GauGAN(generator, TOY_LABELS)
    inception = FIDInceptionV3()  # random weights: the numbers are not FIDs of record, the wiring is tested
    result = evaluate(model, data, segmenter, inception, batch_size=4, real_stats_path=tmp_path / "stats.npz", progress=False)
    assert result.images == 8
    assert result.miou_real > 0.8 and result.miou < result.miou_real  # untrained output is ~grey
    assert result.fid is not None and result.fid > 0 and result.kid is not None
    assert (tmp_path / "stats.npz").is_file()
    again = evaluate(model, data, segmenter, inception, batch_size=4, real_stats_path=tmp_path / "stats.npz", progress=False)
    assert abs(again.fid - result.fid) < 1e-6 * max(1.0, result.fid)  # cached real statistics give the same FID
    assert "mIoU" in result.table() and "FID" in result.table()
