"""Reference light: does a relit reference photo relight the picture painted in its style?"""

import pytest
import torch
from eval_helpers import toy_encoder_model, unflipped_toy_pairs

from gaugan.eval.evaluate import evaluate
from gaugan.eval.reference_light import EXPOSURES, ReferenceLight, brightness, relit_references
from gaugan.semantics import semantic_input


def test_references_are_the_frame_relit_and_clipped():
    real = torch.tensor([-1.0, -0.5, 0.0, 0.5]).view(1, 1, 2, 2).expand(1, 3, 2, 2)  # intensities 0, .25, .5, .75
    dark, same, bright = relit_references(real)
    assert EXPOSURES == (0.6, 1.0, 1.5)
    assert same is real  # as shot: the frames themselves, which evaluate has already painted
    assert torch.allclose(dark[0, 0].flatten(), torch.tensor([0.0, 0.15, 0.3, 0.45]) * 2 - 1)
    assert torch.allclose(bright[0, 0].flatten(), torch.tensor([0.0, 0.375, 0.75, 1.0]) * 2 - 1)  # 1.125 clips to 1
    assert brightness(real).item() == pytest.approx(0.375 * 255)


def test_the_slope_is_the_within_frame_least_squares_fit():
    light = ReferenceLight()
    assert light.slope() is None and light.levels() is None

    def grey(levels):  # (N,) brightness in 0..255 -> (N, 3, 2, 2) flat pictures
        return (torch.tensor(levels, dtype=torch.float32) / 127.5 - 1).view(-1, 1, 1, 1).expand(-1, 3, 2, 2)

    # Two frames, references at 30/50/75 and 60/100/150; each picture = half its reference + the
    # frame's own offset (+75, -10): within each frame the pictures move half as much, slope 0.5.
    light.add([grey([30, 60]), grey([50, 100]), grey([75, 150])], [grey([90, 20]), grey([100, 40]), grey([112.5, 65])])
    assert light.slope() == pytest.approx(0.5, abs=1e-4)
    light_reversed = ReferenceLight()  # darker pictures for brighter references: a negative slope
    light_reversed.add([grey([30]), grey([50]), grey([75])], [grey([80]), grey([70]), grey([57.5])])
    assert light_reversed.slope() == pytest.approx(-0.5, abs=1e-4)
    references, pictures = light.levels()
    assert references == pytest.approx([45, 75, 112.5], abs=1e-3) and pictures == pytest.approx([55, 70, 88.75], abs=1e-3)
    with pytest.raises(ValueError, match="expected 3 exposures"):
        light.add([grey([1])], [grey([1])])


def test_evaluate_reports_the_slope_of_its_own_pictures(one_thread):
    model, data = toy_encoder_model(), unflipped_toy_pairs(5)
    with torch.no_grad():  # a strong code, so that the light of the reference moves the picture
        model.encoder.fc_mu.weight.mul_(50)
    result = evaluate(model, data, progress=False, batch_size=4, diversity_seeds=0)  # two batches: 4 + 1
    light = ReferenceLight()
    with torch.no_grad():
        for batch in (data[:4], data[4:]):
            semantics = semantic_input(torch.stack([s["label"] for s in batch]), model.labels)
            references = relit_references(torch.stack([s["image"] for s in batch]))
            light.add(references, [model(semantics, z=model.encoder(r)[0]) for r in references])
    assert result.reference_light_slope == pytest.approx(light.slope(), abs=1e-6) and result.reference_light_slope != 0
    assert result.reference_light_exposures == [0.6, 1.0, 1.5]
    assert result.reference_light_references == pytest.approx(light.levels()[0], abs=1e-4)
    assert result.reference_light_references[0] < result.reference_light_references[1] < result.reference_light_references[2]
    assert f"slope {result.reference_light_slope:.2f} (1 = the picture takes the reference's light" in result.table()
    assert result.to_dict()["reference_light_pictures"] == result.reference_light_pictures


def test_an_encoder_that_says_the_prior_for_every_picture_sets_no_light(one_thread):
    model = toy_encoder_model()
    with torch.no_grad():  # mu = 0 whatever the reference: the picture cannot follow its light
        model.encoder.fc_mu.weight.zero_()
        model.encoder.fc_mu.bias.zero_()
    result = evaluate(model, unflipped_toy_pairs(4), progress=False, diversity_seeds=0)
    assert result.reference_light_slope == 0.0
    low, middle, high = result.reference_light_pictures
    assert low == middle == high


def test_models_without_an_encoder_report_none(one_thread):
    result = evaluate(toy_encoder_model(encoder=False), unflipped_toy_pairs(4), progress=False, diversity_seeds=0)
    assert result.reference_light_slope is None and "reference light" not in result.table()
