"""`encoder_kl_nats`: how much style an encoder model's encoder can pass (0 = posterior collapse)."""

import torch
from eval_helpers import toy_encoder_model, unflipped_toy_pairs
from train_helpers import ToyPairs

from gaugan.eval.evaluate import evaluate


def test_the_mean_kl_of_the_real_pictures_codes_to_the_prior(one_thread):
    model, unflipped = toy_encoder_model(), unflipped_toy_pairs(6)
    with torch.no_grad():  # the encoder's pull away from the prior: a random one carries some
        model.encoder.fc_mu.weight.mul_(50)
    result = evaluate(model, unflipped, progress=False, batch_size=4, diversity_seeds=0)  # two batches: 4 + 2
    with torch.no_grad():
        mu, logvar = model.encoder(torch.stack([s["image"] for s in unflipped]))
    by_hand = (0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)).mean()
    assert result.encoder_kl_nats > 0.1
    assert abs(result.encoder_kl_nats - float(by_hand)) < 1e-4 * float(by_hand)
    assert f"encoder KL {result.encoder_kl_nats:.2f} nats per picture" in result.table()


def test_an_encoder_that_says_the_prior_for_every_picture_scores_zero(one_thread):
    model = toy_encoder_model()
    with torch.no_grad():  # mu = 0, logvar = 0 whatever the picture: a collapsed posterior
        for head in (model.encoder.fc_mu, model.encoder.fc_var):
            head.weight.zero_()
            head.bias.zero_()
    assert evaluate(model, ToyPairs(n=4, size=32), progress=False, diversity_seeds=0).encoder_kl_nats == 0


def test_models_without_an_encoder_report_none(one_thread):
    result = evaluate(toy_encoder_model(encoder=False), ToyPairs(n=4, size=32), progress=False, diversity_seeds=0)
    assert result.encoder_kl_nats is None and "encoder KL" not in result.table()
