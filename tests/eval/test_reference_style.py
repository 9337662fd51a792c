"""Reference style: is a layout painted in its own frame's style closer to that frame than in another's?"""

import torch
from eval_helpers import toy_encoder_model, unflipped_toy_pairs

from gaugan.eval.evaluate import evaluate
from gaugan.eval.reference_style import ReferenceStyle, other_codes
from gaugan.semantics import semantic_input


def test_other_codes_pair_each_picture_with_the_one_half_a_batch_away():
    codes = torch.arange(4.0)[:, None].expand(4, 3)
    assert other_codes(codes)[:, 0].tolist() == [2.0, 3.0, 0.0, 1.0]
    assert other_codes(codes[:3])[:, 0].tolist() == [2.0, 0.0, 1.0]  # odd sizes: nobody keeps their own


def test_the_distances_are_the_mean_absolute_pixel_difference_in_grey_levels():
    real = torch.zeros(2, 3, 4, 4)
    reference = ReferenceStyle()
    assert reference.distances() is None
    reference.add(real + 0.1, real - 0.5, real)  # 0.1 and 0.5 in [-1, 1] units
    own, other = reference.distances()
    assert abs(own - 0.1 * 127.5) < 1e-4 and abs(other - 0.5 * 127.5) < 1e-4


def test_evaluate_reports_both_distances_as_computed_by_hand(one_thread):
    model, data = toy_encoder_model(), unflipped_toy_pairs(6)
    with torch.no_grad():  # codes far apart, so that the two paintings differ
        model.encoder.fc_mu.weight.mul_(50)
    result = evaluate(model, data, progress=False, batch_size=4, diversity_seeds=0)  # two batches: 4 + 2
    own, other = [], []
    with torch.no_grad():
        for batch in (data[:4], data[4:]):
            ids = torch.stack([s["label"] for s in batch])
            real = torch.stack([s["image"] for s in batch])
            semantics = semantic_input(ids, model.labels)
            mu, _ = model.encoder(real)
            own.append((model(semantics, z=mu) - real).abs().flatten(1).mean(1))
            other.append((model(semantics, z=mu.roll(len(batch) // 2, 0)) - real).abs().flatten(1).mean(1))
    by_hand = [float(torch.cat(d).mean()) * 127.5 for d in (own, other)]
    assert abs(result.own_style_distance - by_hand[0]) < 1e-3 and abs(result.other_style_distance - by_hand[1]) < 1e-3
    assert result.own_style_distance != result.other_style_distance
    assert f"|picture - real frame| {result.own_style_distance:.2f} in the frame's own style" in result.table()


def test_an_encoder_that_says_the_prior_for_every_picture_sets_no_style(one_thread):
    model = toy_encoder_model()
    with torch.no_grad():  # mu = 0 whatever the picture: a collapsed posterior
        model.encoder.fc_mu.weight.zero_()
        model.encoder.fc_mu.bias.zero_()
    result = evaluate(model, unflipped_toy_pairs(4), progress=False, diversity_seeds=0)
    assert result.own_style_distance == result.other_style_distance > 0
    assert "(0.0% closer; 0% = a reference photo sets no style)" in result.table()


def test_models_without_an_encoder_report_none(one_thread):
    result = evaluate(toy_encoder_model(encoder=False), unflipped_toy_pairs(4), progress=False, diversity_seeds=0)
    assert result.own_style_distance is None and "reference style" not in result.table()
