"""OASIS (Schönfeld et al., ICLR 2021): U-Net discriminator, 3D-noise generator, N+1 loss, LabelMix."""

import math

import pytest
import torch
import torch.nn as nn

from gaugan.losses.oasis import (
    FAKE_CLASS,
    class_balancing_weights,
    label_mix,
    label_mix_consistency,
    label_mix_loss,
    oasis_d_loss,
    oasis_fake_loss,
    oasis_g_loss,
    oasis_real_loss,
)
from gaugan.models import (
    OASISDiscriminator,
    OASISDiscriminatorConfig,
    OASISGenerator,
    OASISGeneratorConfig,
    build_model,
    config_from_dict,
    config_to_dict,
    draw_noise,
    resample_class_noise,
)
from gaugan.nn.spectral import spectral_norm_enabled
from gaugan.semantics import one_hot_labels
from gaugan.summary import count_parameters

pytestmark = pytest.mark.usefixtures("one_thread")

TINY_D_CHANNELS = (3, 8, 8, 16, 16, 32, 32)


def tiny_generator(semantic_channels=4, **overrides) -> OASISGenerator:
    options = dict(semantic_channels=semantic_channels, ngf=8, z_dim=8, norm="batch", init_gain=1.0)
    options.update(overrides)
    return OASISGenerator(OASISGeneratorConfig(**options))


def blocky_ids(n, h, w, classes, seed, cell=8) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, classes, (n, 1, h // cell, w // cell), generator=g)
    return torch.nn.functional.interpolate(ids.float(), size=(h, w), mode="nearest").long()[:, 0]


# --- parameter counts ---------------------------------------------------------------------------
# Measured on the official code (boschresearch/OASIS at aeb875f), instantiated in a scratch copy:
# OASIS_Generator / OASIS_Discriminator with the defaults of its config.py (channels_G 64,
# num_res_blocks 6, z_dim 64, 3D noise on, spectral norm on, syncbatch, spade_ks 3) and each
# dataset loader's semantic_nc; sum(p.numel() for p in net.parameters()).


@pytest.mark.parametrize(
    "dataset, semantic_nc, g_expected, d_expected",
    [
        ("ade20k", 151, 74_314_691, 22_258_904),
        ("cityscapes", 35, 71_107_523, 22_251_364),
        ("coco-stuff", 183, 75_199_427, 22_260_984),
    ],
)
def test_parameter_counts_match_official(dataset, semantic_nc, g_expected, d_expected):
    g = build_model(OASISGeneratorConfig(semantic_channels=semantic_nc))
    d = build_model(OASISDiscriminatorConfig(num_classes=semantic_nc))
    assert count_parameters(g) == g_expected
    assert count_parameters(d) == d_expected


def test_configs_round_trip_and_build():
    g = OASISGeneratorConfig(semantic_channels=7, ngf=8, z_dim=0)
    d = OASISDiscriminatorConfig(num_classes=7, channels=(3, 8, 16, 16), num_res_blocks=3, last_channels=8)
    assert config_from_dict(config_to_dict(g)) == g
    assert config_from_dict(config_to_dict(d)) == d  # the channel list comes back as a tuple
    assert isinstance(build_model(config_to_dict(g)), OASISGenerator)
    assert isinstance(build_model(d), OASISDiscriminator)
    assert g.widths == (128, 128, 128, 64, 32, 16, 8)
    with pytest.raises(ValueError, match="channel widths"):
        OASISDiscriminatorConfig(channels=(3, 8, 8))


# --- discriminator --------------------------------------------------------------------------------


def test_discriminator_segments_every_pixel_into_classes_plus_fake():
    d = OASISDiscriminator(OASISDiscriminatorConfig(num_classes=5, channels=TINY_D_CHANNELS, last_channels=8))
    logits = d(torch.rand(2, 3, 64, 64) * 2 - 1)
    assert logits.shape == (2, 6, 64, 64)
    assert torch.isfinite(logits).all()
    assert len(d.body_down) == len(d.body_up) == 6
    with pytest.raises(ValueError, match="divisible by 64"):
        d(torch.zeros(1, 3, 48, 48))


def test_discriminator_has_spectral_norm_on_residual_convs_only():
    d = OASISDiscriminator(OASISDiscriminatorConfig(num_classes=3, channels=(3, 8, 16), num_res_blocks=2, last_channels=8))
    convs = {name: m for name, m in d.named_modules() if isinstance(m, nn.Conv2d)}
    assert not spectral_norm_enabled(convs.pop("layer_up_last"))
    assert convs and all(spectral_norm_enabled(m) for m in convs.values())
    assert d(torch.zeros(1, 3, 16, 16)).shape == (1, 4, 16, 16)


# --- generator ------------------------------------------------------------------------------------


def test_generator_output_shape_range_and_seeds():
    g = tiny_generator().eval()  # in training mode each forward also steps spectral norm's power iteration
    semantics = one_hot_labels(blocky_ids(2, 64, 64, 4, seed=0), 4)
    with torch.no_grad():
        a = g(semantics, generator=torch.Generator().manual_seed(1))
        a_again = g(semantics, generator=torch.Generator().manual_seed(1))
        b = g(semantics, generator=torch.Generator().manual_seed(2))
        explicit = g(semantics, noise=draw_noise(2, 8, (64, 64), torch.Generator().manual_seed(1)))
    assert a.shape == (2, 3, 64, 64)
    assert a.abs().max() <= 1
    assert torch.equal(a, a_again) and torch.equal(a, explicit)
    assert (a - b).abs().mean() > 0.05  # another seed, another picture
    with pytest.raises(ValueError, match="noise must have shape"):
        g(semantics, noise=torch.zeros(2, 8, 32, 32))


def test_generator_without_noise_is_deterministic():
    g = tiny_generator(z_dim=0).eval()
    semantics = one_hot_labels(blocky_ids(1, 32, 32, 4, seed=0), 4)
    with torch.no_grad():
        assert torch.equal(g(semantics), g(semantics))
    with pytest.raises(ValueError, match="z_dim=0"):
        g(semantics, noise=torch.zeros(1, 1, 32, 32))


def test_resample_class_noise_redraws_one_class_only():
    ids = blocky_ids(3, 16, 16, 3, seed=4)
    noise = draw_noise(3, 5, (16, 16), torch.Generator().manual_seed(0))
    new = resample_class_noise(noise, ids, class_id=1, generator=torch.Generator().manual_seed(1))
    inside = (ids == 1).unsqueeze(1).expand_as(noise)
    assert torch.equal(new[~inside], noise[~inside])
    assert (new[inside] != noise[inside]).all()
    for i in range(3):  # one new vector per image, the same at every pixel of the class
        vectors = new[i].flatten(1)[:, (ids[i] == 1).flatten()]
        assert torch.equal(vectors, vectors[:, :1].expand_as(vectors))


def test_class_noise_edit_is_local_up_to_the_receptive_field_in_eval_mode():
    # Left half class 0, right half class 1; redraw class 0's noise. In eval mode (running BN
    # statistics) every layer is local, so the change reaches at most R = 6 * f - 1 pixels past
    # the border, f = 2**(num_res_blocks - 1) (derivation in oasis_generator's docstring): here
    # f = 8, R = 47. Measured: the last changed column is exactly the 47th past the border.
    h, w, blocks = 16, 128, 4
    reach = 6 * 2 ** (blocks - 1) - 1
    g = tiny_generator(semantic_channels=2, num_res_blocks=blocks)
    ids = torch.zeros(2, h, w, dtype=torch.long)
    ids[:, :, w // 2 :] = 1
    semantics = one_hot_labels(ids, 2)
    rng = torch.Generator().manual_seed(1)
    noise = draw_noise(2, 8, (h, w), rng)
    edited = resample_class_noise(noise, ids, 0, rng)

    g.eval()
    with torch.no_grad():
        change = (g(semantics, noise) - g(semantics, edited)).abs().amax(dim=(0, 1, 2))  # per column
    border = w // 2
    assert change[:border].mean() > 0.05  # the edited class changes visibly
    assert change[border + reach - 1] > 0  # the bound is tight...
    assert torch.all(change[border + reach :] == 0)  # ...and exact: bit-identical beyond it

    # With batch statistics (training mode) the whole image changes, far pixels included.
    g.train()
    with torch.no_grad():
        change = (g(semantics, noise) - g(semantics, edited)).abs().amax(dim=(0, 1, 2))
    assert change[border + reach :].min() > 0


# --- N+1 loss -------------------------------------------------------------------------------------

# One 2x2 image, two classes (ids [[0, 0], [0, 1]]), so three logit channels: fake, class 0, class
# 1. Logits are log-probabilities, so each pixel's CE is -log p(target).
PROBS = torch.tensor(
    [
        [[0.25, 0.50, 0.25], [0.50, 0.25, 0.25]],
        [[0.20, 0.60, 0.20], [0.10, 0.10, 0.80]],
    ]
)  # (H, W, fake / class 0 / class 1)
IDS = torch.tensor([[[0, 0], [0, 1]]])
LOGITS = PROBS.log().permute(2, 0, 1).unsqueeze(0)  # (1, 3, 2, 2)


def test_n1_loss_by_hand():
    ce_class0 = math.log(1 / 0.5) + math.log(1 / 0.25) + math.log(1 / 0.6)  # 3 pixels -> channel 1
    ce_class1 = math.log(1 / 0.8)  # 1 pixel -> channel 2
    # Weights N*H*W / (n_present * count): class 0: 4 / (2 * 3) = 2/3, class 1: 4 / (2 * 1) = 2;
    # then the mean over the 4 pixels.
    expected_real = (2 / 3 * ce_class0 + 2 * ce_class1) / 4
    assert math.isclose(expected_real, 0.5432833, rel_tol=1e-6)
    assert oasis_real_loss(LOGITS, IDS).item() == pytest.approx(expected_real, rel=1e-6)
    weights = class_balancing_weights(IDS, 2)
    assert torch.allclose(weights, torch.tensor([[[2 / 3, 2 / 3], [2 / 3, 2.0]]]))

    # Fake images: every pixel -> channel 0, unweighted mean.
    expected_fake = (math.log(4) + math.log(2) + math.log(5) + math.log(10)) / 4
    assert oasis_fake_loss(LOGITS).item() == pytest.approx(expected_fake, rel=1e-6)
    assert FAKE_CLASS == 0

    fake_logits = LOGITS.flip(-1)
    d = oasis_d_loss(LOGITS, fake_logits, IDS)
    assert d.item() == pytest.approx(oasis_fake_loss(fake_logits).item() + expected_real, rel=1e-6)
    # G: its fakes should be segmented as the label map, with the same weights.
    assert oasis_g_loss(LOGITS, IDS).item() == pytest.approx(expected_real, rel=1e-6)

    # Class 1 as don't care: weight 0, not a present class: class 0 weighs 4 / (1 * 3).
    expected_dontcare = (4 / 3 * ce_class0) / 4
    assert oasis_real_loss(LOGITS, IDS, dontcare_id=1).item() == pytest.approx(expected_dontcare, rel=1e-6)
    # Without balancing: the plain mean, the don't-care pixel included.
    unbalanced = oasis_real_loss(LOGITS, IDS, dontcare_id=1, class_balancing=False)
    assert unbalanced.item() == pytest.approx((ce_class0 + ce_class1) / 4, rel=1e-6)


def test_balanced_loss_is_the_mean_over_present_classes_of_their_mean_ce():
    torch.manual_seed(0)
    ids = blocky_ids(3, 16, 16, 6, seed=3, cell=2)
    ids[ids == 4] = 2  # leave class 4 absent
    logits = torch.randn(3, 7, 16, 16)
    ce = torch.nn.functional.cross_entropy(logits, ids + 1, reduction="none")
    present = [c for c in range(6) if c != 5 and (ids == c).any()]  # 5 = don't care
    # The mean runs over all pixels, don't-care ones (weight 0) included, but the weights' numerator
    # N*H*W counts them too: the two cancel, whatever the share of don't-care pixels.
    expected = torch.stack([ce[ids == c].mean() for c in present]).mean()
    assert (ids == 5).any()
    assert torch.allclose(oasis_real_loss(logits, ids, dontcare_id=5), expected, rtol=1e-5)


# --- LabelMix -------------------------------------------------------------------------------------


def test_label_mix_follows_a_per_class_mask_exactly():
    ids = blocky_ids(4, 32, 32, 6, seed=5)
    real, fake = torch.randn(2, 4, 3, 32, 32)
    mixed, mask = label_mix(real, fake, ids, torch.Generator().manual_seed(0))
    assert mask.shape == (4, 1, 32, 32) and set(mask.unique().tolist()) == {0.0, 1.0}
    m = mask.bool().expand_as(real)
    assert torch.equal(mixed[m], real[m]) and torch.equal(mixed[~m], fake[~m])
    for c in ids.unique():
        values = mask[:, 0][ids == c]
        assert (values == values[0]).all()  # one coin per class, for the whole batch (official)

    mixed, mask = label_mix(real, fake, ids, torch.Generator().manual_seed(0), per_image=True)
    m = mask.bool().expand_as(real)
    assert torch.equal(mixed[m], real[m]) and torch.equal(mixed[~m], fake[~m])
    per_class_differs = False
    for c in ids.unique():
        coins = []
        for i in range(4):
            values = mask[i, 0][ids[i] == c]
            if values.numel():
                assert (values == values[0]).all()
                coins.append(values[0].item())
        per_class_differs |= len(set(coins)) > 1
    assert per_class_differs  # per image, a class may come from real in one image and fake in another


def test_label_mix_loss_is_zero_for_a_pixelwise_discriminator():
    torch.manual_seed(0)
    ids = blocky_ids(2, 16, 16, 4, seed=1)
    real, fake = torch.randn(2, 2, 3, 16, 16)
    pointwise = nn.Conv2d(3, 5, 1)  # D(mix) is exactly the mask-mix of D(real) and D(fake)
    assert label_mix_loss(pointwise, real, fake, ids, torch.Generator().manual_seed(0)).item() < 1e-12
    spatial = nn.Conv2d(3, 5, 3, padding=1)
    rng = torch.Generator().manual_seed(0)
    loss = label_mix_loss(spatial, real, fake, ids, rng)
    assert loss.item() > 0

    # Reusing D(real), D(fake) from the D loss gives the same value; weight 10 by default, and the
    # gradient reaches D through all three outputs (nothing detached, as in the official code).
    logits_real, logits_fake = spatial(real), spatial(fake)
    logits_real.retain_grad()
    logits_fake.retain_grad()
    rng = torch.Generator().manual_seed(0)
    reused = label_mix_loss(spatial, real, fake, ids, rng, logits_real=logits_real, logits_fake=logits_fake)
    assert torch.allclose(reused, loss)
    _, mask = label_mix(real, fake, ids, torch.Generator().manual_seed(0))
    mixed = torch.where(mask.bool(), real, fake)
    expected = 10 * label_mix_consistency(mask, spatial(mixed), logits_real, logits_fake)
    assert torch.allclose(reused, expected)
    reused.backward()
    assert logits_real.grad.abs().sum() > 0 and logits_fake.grad.abs().sum() > 0
