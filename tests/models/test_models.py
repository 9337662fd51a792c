"""Forward/backward of every model on tiny configs, and the paper's Figure 3 property."""

import pytest
import torch

from gaugan.models import (
    ConcatGenerator,
    ConcatGeneratorConfig,
    ConvEncoder,
    ConvEncoderConfig,
    MultiscaleDiscriminator,
    MultiscaleDiscriminatorConfig,
    Pix2PixHDGenerator,
    Pix2PixHDGeneratorConfig,
    SPADEGenerator,
    SPADEGeneratorConfig,
    reparameterize,
)
from gaugan.semantics import one_hot_labels
from model_helpers import random_semantics

C = 7  # tiny_labels: 5 classes + don't-care + instance


# Glorot gain 1 instead of the paper's 0.02: with 0.02 an untrained generator's outputs are ~1e-6,
# too small to compare meaningfully against float round-off.
G = 1.0


def _rel_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().mean() / (a.abs().mean() + b.abs().mean()))


def _tiny_generators():
    return {
        "spade": SPADEGenerator(SPADEGeneratorConfig(semantic_channels=C, ngf=8, width=32, spade_hidden=16, init_gain=G)),
        "spade_vae": SPADEGenerator(
            SPADEGeneratorConfig(semantic_channels=C, ngf=8, width=32, spade_hidden=16, use_vae=True, z_dim=16, init_gain=G)
        ),
        "concat": ConcatGenerator(ConcatGeneratorConfig(semantic_channels=C, ngf=8, width=32, init_gain=G)),
        "pix2pixhd": Pix2PixHDGenerator(
            Pix2PixHDGeneratorConfig(semantic_channels=C, ngf=8, n_downsample=2, n_blocks=2, init_gain=G)
        ),
        "pix2pixhd_spade": Pix2PixHDGenerator(
            Pix2PixHDGeneratorConfig(semantic_channels=C, ngf=8, n_downsample=2, n_blocks=2, norm="spade", spade_hidden=16, init_gain=G)
        ),
    }


@pytest.mark.parametrize("name", list(_tiny_generators()))
def test_generator_forward_backward_reaches_every_parameter(name, tiny_labels):
    torch.manual_seed(0)
    model = _tiny_generators()[name]
    seg = random_semantics(tiny_labels, n=2, h=32, w=32)
    out = model(seg)
    assert out.shape == (2, 3, 32, 32)
    assert out.abs().max() <= 1 and out.std() > 0
    out.square().mean().backward()
    without_grad = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert without_grad == []


@pytest.mark.parametrize("name", ["spade", "concat", "pix2pixhd_spade"])
def test_output_depends_on_the_label_map(name, tiny_labels):
    torch.manual_seed(0)
    model = _tiny_generators()[name].eval()
    a = random_semantics(tiny_labels, n=1, seed=1)
    b = random_semantics(tiny_labels, n=1, seed=2)
    with torch.no_grad():
        assert _rel_diff(model(a), model(b)) > 0.05


def _uniform(label: int, channels: int = C, size: int = 32) -> torch.Tensor:
    return one_hot_labels(torch.full((1, size, size), label), channels)


def test_figure3_instance_norm_generator_ignores_a_uniform_label_but_spade_does_not():
    """Paper Fig. 3: instance norm after the first conv maps any uniform label map to zero.

    In exact arithmetic everything downstream is then identical. In floating point the first
    norm leaves round-off (~1e-12 in float64), and every further instance norm multiplies a tiny
    input by up to 1/sqrt(eps) ~ 316, so a deep *untrained* stack ends up amplifying round-off
    into visible output. We therefore check (a) the washed-out first activation on the full tiny
    baseline, and (b) identical images on a float64 baseline shallow enough that round-off stays
    far below 1e-6; SPADE must give clearly different images for every pair of labels.
    """
    torch.manual_seed(0)
    gens = _tiny_generators()
    baseline = gens["pix2pixhd"].eval()
    first_norm = baseline.model[:3]  # reflection pad, conv7x7, instance norm
    with torch.no_grad():
        for k in range(5):
            assert first_norm(_uniform(k), None).abs().max() < 1e-4
        varied = first_norm(random_semantics_tensor(), None)
        assert varied.std() > 0.5  # on a real layout the same layer carries the labels

    torch.manual_seed(0)
    shallow = Pix2PixHDGenerator(
        Pix2PixHDGeneratorConfig(semantic_channels=C, ngf=8, n_downsample=1, n_blocks=0, init_gain=G)
    ).eval().double()
    with torch.no_grad():
        images = [shallow(_uniform(k).double()) for k in range(5)]
    for out in images[1:]:
        assert (out - images[0]).abs().max() < 1e-6

    spade = gens["spade"].eval()
    with torch.no_grad():
        sp = [spade(_uniform(k)) for k in range(5)]
    for i in range(5):
        for j in range(i + 1, 5):
            assert _rel_diff(sp[i], sp[j]) > 0.05


def random_semantics_tensor() -> torch.Tensor:
    ids = torch.randint(0, 5, (1, 4, 4), generator=torch.Generator().manual_seed(0))
    ids = torch.nn.functional.interpolate(ids[:, None].float(), size=(32, 32), mode="nearest")[:, 0].long()
    return one_hot_labels(ids, C)


def test_spade_generator_sizes_for_more_most_and_aspect_ratio():
    for mode, width, aspect, expected in [("more", 128, 2.0, (64, 128)), ("most", 128, 1.0, (128, 128))]:
        cfg = SPADEGeneratorConfig(
            semantic_channels=3, ngf=8, width=width, aspect_ratio=aspect, num_upsampling_layers=mode, spade_hidden=8
        )
        assert cfg.output_size == expected
        g = SPADEGenerator(cfg).eval()
        with torch.no_grad():
            out = g(torch.rand(1, 3, *expected))
        assert out.shape == (1, 3, *expected)
    most = SPADEGenerator(
        SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=128, num_upsampling_layers="most", spade_hidden=8)
    )
    assert most.conv_img.in_channels == 4  # up_4 halves ngf


def test_generator_config_rejects_width_not_divisible():
    with pytest.raises(ValueError, match="multiple of 32"):
        SPADEGeneratorConfig(width=100)
    g = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8))
    with pytest.raises(ValueError, match="divisible by 32"):
        g(torch.rand(1, 3, 40, 40))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        g(torch.rand(1, 4, 32, 32))


def test_vae_generator_uses_z_seeds_are_reproducible_and_styles_differ(tiny_labels):
    torch.manual_seed(0)
    g = _tiny_generators()["spade_vae"].eval()
    seg = random_semantics(tiny_labels, n=1)
    with torch.no_grad():
        a = g(seg, generator=torch.Generator().manual_seed(3))
        a2 = g(seg, generator=torch.Generator().manual_seed(3))
        b = g(seg, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, a2)
    assert _rel_diff(a, b) > 0.01
    with pytest.raises(ValueError, match="z must have shape"):
        g(seg, z=torch.zeros(1, 5))


def test_encoder_gives_mu_logvar_and_gradients_through_reparameterization():
    torch.manual_seed(0)
    enc = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=16, input_size=32))
    assert enc.config.num_layers == 3
    image = torch.rand(2, 3, 48, 40) * 2 - 1  # resized to 32x32 inside
    mu, logvar = enc(image)
    assert mu.shape == logvar.shape == (2, 16)
    z = reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    z.square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in enc.parameters())
    # Different images, different codes.
    assert (mu[0] - mu[1]).abs().sum() > 0


def test_default_encoder_has_six_layers():
    assert ConvEncoderConfig().num_layers == 6


def test_discriminator_returns_features_per_scale_and_logits_last(tiny_labels):
    torch.manual_seed(0)
    d = MultiscaleDiscriminator(MultiscaleDiscriminatorConfig(input_channels=C + 3, ndf=8, n_layers=3, num_d=2))
    seg = random_semantics(tiny_labels, n=2)
    out = d(seg, torch.rand(2, 3, 32, 32) * 2 - 1)
    assert len(out) == 2 and all(len(scale) == 4 for scale in out)
    assert [f.shape[1] for f in out[0]] == [8, 16, 32, 1]
    # 4x4 convs with padding 2: 32 -> 17 -> 9 -> 10 -> 11; the second scale sees 16x16.
    assert out[0][-1].shape == (2, 1, 11, 11)
    assert out[1][-1].shape == (2, 1, 7, 7)
    sum(o[-1].mean() for o in out).backward()
    assert all(p.grad is not None for p in d.parameters())
    with pytest.raises(ValueError, match="expects 10 channels"):
        d(seg[:, :3], torch.rand(2, 3, 32, 32))
