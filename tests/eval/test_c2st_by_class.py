"""`--c2st-by-class`: which class gives the generated pictures away (eval/c2st_by_class.py)."""

import dataclasses

import pytest
import torch
from test_two_sample import FAST, smooth_pictures
from train_helpers import TOY_LABELS

from gaugan.eval.c2st_by_class import ClassSwaps
from gaugan.eval.evaluate import Scorer
from gaugan.eval.two_sample import classifier_two_sample_test, prepare_pictures


def _layouts(n: int, size: int = 32) -> torch.Tensor:
    """(n, size, size) ids: class 0 left of a per-picture column, class 1 right of it, class 2 in one corner pixel."""
    columns = torch.randint(10, 22, (n,), generator=torch.Generator().manual_seed(5))
    ids = (torch.arange(size).view(1, 1, -1) >= columns.view(-1, 1, 1)).long().expand(n, size, size).clone()
    ids[:, 0, 0] = 2
    return ids


def _noisy_right_half(n: int = 40):
    """real pictures, fake = real with strong noise on class 1's pixels only, their ids."""
    real, ids = smooth_pictures(n), _layouts(n)
    noise = 0.5 * torch.randn(real.shape, generator=torch.Generator().manual_seed(1))
    fake = torch.where((ids == 1).unsqueeze(1), (real + noise).clamp(-1, 1), real)
    return real, fake, ids


def test_the_class_painted_badly_is_named_first(one_thread):
    real, fake, ids = _noisy_right_half()
    swaps = ClassSwaps(TOY_LABELS, max_width=128)
    swaps.add(fake[:25], real[:25], ids[:25])  # two batches, as a scorer feeds it
    swaps.add(fake[25:], real[25:], ids[25:])
    small_real, small_fake = prepare_pictures(real, 128), prepare_pictures(fake, 128)
    plain = classifier_two_sample_test(small_real, small_fake, FAST)
    scores = swaps.scores(small_real, small_fake, FAST)
    assert plain.log_loss_bits < 0.5  # the noise gives the pictures away ...
    assert [s.name for s in scores] == [TOY_LABELS.names[1], TOY_LABELS.names[0]]  # the corner class is under 0.5%
    noisy, clean = scores
    assert noisy.log_loss_bits > 0.85 and noisy.accuracy < 0.7  # ... and without class 1's noise nothing does
    assert clean.log_loss_bits < 0.5  # swapping the clean class leaves the evidence in place
    assert noisy.pixel_fraction + clean.pixel_fraction + 1 / 32 ** 2 == pytest.approx(1)


def test_swapped_pictures_are_the_real_one_on_the_class_and_the_generated_one_elsewhere():
    real, fake, ids = _noisy_right_half(4)
    swaps = ClassSwaps(TOY_LABELS, max_width=128, min_fraction=0)
    swaps.add(fake, real, ids)
    assert sorted(swaps.classes()[:2]) == [0, 1] and swaps.classes()[2:] == [2]  # present classes only, the corner last
    for class_id in (0, 1, 2):
        for index, picture in swaps.swapped[class_id]:
            expected = torch.where((ids[index] == class_id).unsqueeze(0), real[index], fake[index])
            assert torch.equal(picture, prepare_pictures(expected[None], 128)[0])


def test_the_scorer_reports_it_only_when_asked(one_thread):
    real, fake, ids = _noisy_right_half()
    for by_class in (False, True):
        scorer = Scorer(TOY_LABELS, c2st=dataclasses.replace(FAST, by_class=by_class))
        scorer.add(fake, ids, real)
        result = scorer.result()
        if not by_class:
            assert result.c2st_by_class is None and "one class's pixels" not in result.table()
            continue
        assert result.c2st_by_class[0]["name"] == TOY_LABELS.names[1]
        assert result.c2st_by_class[0]["log_loss_bits"] > result.c2st_log_loss_bits + 0.3
        assert f"{TOY_LABELS.names[1]} {result.c2st_by_class[0]['log_loss_bits']:.3f}" in result.table()
        assert result.to_dict()["c2st_by_class"] == result.c2st_by_class


def test_scores_refuse_pictures_that_were_not_collected():
    real, fake, ids = _noisy_right_half(4)
    swaps = ClassSwaps(TOY_LABELS, max_width=128)
    swaps.add(fake, real, ids)
    with pytest.raises(ValueError, match="4 pictures were collected for the swaps but 3 are scored"):
        swaps.scores(prepare_pictures(real[:3], 128), prepare_pictures(fake[:3], 128), FAST)
