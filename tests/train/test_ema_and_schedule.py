import torch

from gaugan.models import SPADEGenerator, SPADEGeneratorConfig
from gaugan.train.ema import EMA, recompute_batchnorm_statistics, refresh_spectral_vectors
from gaugan.train.optim import lr_factor


def test_lr_is_constant_then_decays_linearly_to_zero():
    assert [lr_factor(s, 4, 4) for s in range(0, 10)] == [1, 1, 1, 1, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    assert lr_factor(100, 4, 0) == 1.0


def test_ema_tracks_parameters_and_copies_spectral_vectors():
    torch.manual_seed(0)
    model = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(2, 3, 3))
    ema = EMA(model, decay=0.9)
    before = ema.shadow.parametrizations.weight.original.clone()
    with torch.no_grad():
        model.parametrizations.weight.original.add_(1.0)
        model.parametrizations.weight[0]._u.mul_(-1)
    ema.update(model, step=10)
    after = ema.shadow.parametrizations.weight.original
    torch.testing.assert_close(after, before + 0.1)  # 0.9 * old + 0.1 * (old + 1)
    assert torch.equal(ema.shadow.parametrizations.weight[0]._u, model.parametrizations.weight[0]._u)


def test_ema_before_start_step_is_a_copy():
    model = torch.nn.Linear(2, 2)
    ema = EMA(model, decay=0.99, start_step=5)
    with torch.no_grad():
        model.weight.add_(3.0)
    ema.update(model, step=2)
    assert torch.equal(ema.shadow.weight, model.weight)


def _share_of_initial_weights(ema_kwargs: dict, steps: int) -> float:
    """EMA of a weight that is 0 at init and 1 after every training step: 1 - EMA = the initial weights' share."""
    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.zero_()
    ema = EMA(model, **ema_kwargs)
    with torch.no_grad():
        model.weight.fill_(1.0)
    for step in range(steps):
        ema.update(model, step)
    return 1.0 - float(ema.shadow.weight)


def test_without_warm_up_an_early_ema_is_mostly_the_initial_weights():
    assert abs(_share_of_initial_weights({"decay": 0.999}, 400) - 0.999**400) < 1e-4  # 67%


def test_ema_warm_up_leaves_no_initial_weights_and_reaches_the_configured_decay():
    assert _share_of_initial_weights({"decay": 0.999, "rampup": 0.05}, 400) < 1e-6
    ema = EMA(torch.nn.Linear(1, 1), decay=0.999, rampup=0.05)
    decays = [ema.decay_at(step) for step in range(20000)]
    assert decays[0] == 0.0 and all(a <= b for a, b in zip(decays, decays[1:]))  # grows with the step
    # Half-life capped at 5% of the steps: at step 400, 20 updates.
    assert abs(ema.decay_at(400) - 0.5 ** (1 / 20)) < 1e-12
    full = ema.full_decay_step()
    assert 13000 < full < 14500 and decays[full] == 0.999 and decays[full - 1] < 0.999
    # A later start shifts the whole schedule.
    late = EMA(torch.nn.Linear(1, 1), decay=0.999, start_step=100, rampup=0.05)
    assert late.decay_at(99) == 0.0 and late.decay_at(100) == 0.0 and late.decay_at(500) == ema.decay_at(400)


def test_refreshed_spectral_vectors_give_the_true_largest_singular_value():
    torch.manual_seed(0)
    conv = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Conv2d(4, 6, 3))
    with torch.no_grad():
        conv.parametrizations.weight.original.mul_(torch.randn(6, 1, 1, 1) * 5)  # stale u, v now
    conv.eval()
    refresh_spectral_vectors(conv, iterations=50)
    sigma = torch.linalg.matrix_norm(conv.parametrizations.weight.original.flatten(1), ord=2)
    torch.testing.assert_close(torch.linalg.matrix_norm(conv.weight.flatten(1), ord=2), torch.tensor(1.0), atol=1e-3, rtol=0)
    assert sigma > 1.5


def test_recomputed_batchnorm_statistics_are_the_data_statistics():
    torch.manual_seed(0)
    g = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8, init_gain=1.0))
    batches = [torch.rand(2, 3, 32, 32) for _ in range(3)]
    used = recompute_batchnorm_statistics(g, batches, lambda model, b: model(b))
    assert used == 3
    norm = g.head_0.norm_0.param_free_norm
    # head_0's input is fc(downsampled labels): compute its per-channel mean over the 3 batches.
    with torch.no_grad():
        feats = [g.fc(torch.nn.functional.interpolate(b, size=(1, 1), mode="nearest")) for b in batches]
    expected = torch.stack([f.mean(dim=(0, 2, 3)) for f in feats]).mean(0)
    torch.testing.assert_close(norm.running_mean, expected, atol=1e-5, rtol=1e-4)
    assert norm.momentum == 0.1  # restored
