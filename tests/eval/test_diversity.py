"""Seed diversity: 0 for a model that ignores its style code, the true pixel distance otherwise."""

import pytest
import torch
from train_helpers import TOY_LABELS, ToyPairs

from gaugan.eval.diversity import mean_pairwise_distance
from gaugan.eval.evaluate import evaluate
from gaugan.models import GauGAN, SPADEGenerator, SPADEGeneratorConfig


def test_mean_pairwise_distance_by_hand():
    pictures = torch.zeros(3, 2, 3, 4, 4)
    pictures[1, 0] = 1.0  # layout 0: seeds at 0, 1, 0 -> pairs |0-1|, |0-0|, |1-0| -> mean 2/3 (x 127.5)
    pictures[2, 1] = -1.0  # layout 1: 0, 0, -1 -> 2/3 as well
    assert torch.allclose(mean_pairwise_distance(pictures), torch.tensor([85.0, 85.0]))
    with pytest.raises(ValueError, match="K >= 2"):
        mean_pairwise_distance(pictures[:1])


def test_evaluate_reports_seed_diversity_for_encoder_models_and_says_why_not_otherwise(one_thread):
    torch.manual_seed(0)
    config = SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8, use_vae=True)
    with_z = GauGAN(SPADEGenerator(config), TOY_LABELS)
    result = evaluate(with_z, ToyPairs(n=4, size=32), progress=False, diversity_seeds=3)
    assert result.diversity_seeds == 3 and result.seed_diversity > 1e-3  # untrained (Glorot gain 0.02): small but real
    assert "seed diversity" in result.table()
    # Same weights, z scaled to nothing: every seed paints the same picture.
    with torch.no_grad():
        with_z.generator.fc.weight.zero_()
    assert evaluate(with_z, ToyPairs(n=4, size=32), progress=False, diversity_seeds=3).seed_diversity < 1e-6
    plain = GauGAN(SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8)), TOY_LABELS)
    result = evaluate(plain, ToyPairs(n=4, size=32), progress=False, diversity_seeds=3)
    assert result.seed_diversity is None and any("draws no latent" in n for n in result.notes)


def test_evaluate_draws_seeds_at_the_models_truncation_and_says_so(one_thread):
    torch.manual_seed(0)
    config = SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8, use_vae=True, init_gain=1.0)
    model = GauGAN(SPADEGenerator(config), TOY_LABELS)
    spread = {}
    for truncation in (1.0, 0.4, 0.0):
        model.truncation = truncation
        result = evaluate(model, ToyPairs(n=4, size=32), progress=False, diversity_seeds=3)
        spread[truncation] = result.seed_diversity
        assert result.truncation == truncation
        assert ("truncation" in result.table()) == (truncation != 1)
    assert spread[1.0] > spread[0.4] > 0 and spread[0.0] == 0
