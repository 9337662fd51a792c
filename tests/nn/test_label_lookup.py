"""Training-path label lookup: SPADE's and the discriminator's first convs from class ids give the
reference's outputs and gradients."""

import copy

import pytest
import torch
import torch.nn.functional as F

from gaugan.labels import LabelSet
from gaugan.models import SPADEGenerator, SPADEGeneratorConfig
from gaugan.models.config import MultiscaleDiscriminatorConfig
from gaugan.models.discriminator import MultiscaleDiscriminator
from gaugan.label_codes import LabelCodes, one_hot_ids
from gaugan.nn.label_lookup import onehot_conv
from gaugan.nn import spade as spade_module
from gaugan.semantics import semantic_input
from model_helpers import random_semantics, tiny_generator

RELATIVE = 1e-4

PLAIN = LabelSet(names=("a", "b", "c"), colors=((1, 1, 1), (2, 2, 2), (3, 3, 3)))
EDGES = LabelSet(names=("a", "b", "c", "d"), colors=((1, 1, 1),) * 4, dontcare=True, instance=True)


# Tiny tensors: one thread (see the one_thread fixture in conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).abs().max() / b.abs().max().clamp(min=1e-12)).item()


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
@pytest.mark.parametrize("labels", [PLAIN, EDGES, "soft-edges"], ids=["plain", "edges", "soft-edges"])
def test_onehot_conv_equals_the_conv_of_the_resized_map_with_gradients(labels, kernel_size):
    torch.manual_seed(0)
    soft = labels == "soft-edges"
    labels = EDGES if soft else labels
    semantics = random_semantics(labels, n=2, h=32, w=32)
    if soft:  # a non-binary last channel is not coded: it takes a 1-channel conv
        semantics[:, -1] = torch.rand(2, 32, 32)
    conv = torch.nn.Conv2d(labels.semantic_channels, 6, kernel_size, padding=kernel_size // 2)
    maps = LabelCodes.from_semantics(semantics)
    assert maps is not None and maps.coded != soft
    for size in [(32, 32), (16, 16), (8, 4), (64, 64), (12, 20)]:
        reference = conv(F.interpolate(semantics, size=size, mode="nearest"))
        assert_same_values_and_gradients(onehot_conv(conv, maps, size), reference, conv)


def assert_same_values_and_gradients(looked_up: torch.Tensor, reference: torch.Tensor, conv: torch.nn.Conv2d) -> None:
    assert looked_up.shape == reference.shape
    assert relative_error(looked_up, reference) < RELATIVE
    grad = torch.randn_like(reference)
    expected = torch.autograd.grad(reference, (conv.weight, conv.bias), grad)
    got = torch.autograd.grad(looked_up, (conv.weight, conv.bias), grad)
    for g, e in zip(got, expected):
        assert relative_error(g, e) < RELATIVE


def test_class_ids_accept_zero_pixels_and_refuse_soft_or_multi_hot_maps():
    ids = torch.tensor([[[0, 2], [1, 0]]])
    onehot = F.one_hot(ids, 3).permute(0, 3, 1, 2).float()
    onehot[0, :, 1, 1] = 0  # a pixel with no class
    assert one_hot_ids(onehot, 3).tolist() == [[[0, 2], [1, 3]]]
    assert one_hot_ids(onehot * 0.5, 3) is None
    two = onehot.clone()
    two[0, 1, 0, 0] = 1
    assert one_hot_ids(two, 3) is None


def trained_pair(labels, dtype=torch.float32, **overrides):
    """(reference, lookup) generators with equal weights, in train mode."""
    reference = tiny_generator(labels, warm=False, **overrides).to(dtype)
    lookup = copy.deepcopy(reference)
    lookup.label_lookup = True
    return reference, lookup


CONFIGS = [
    {},
    {"num_upsampling_layers": "more", "width": 64, "spade_kernel_size": 5},
    {"num_upsampling_layers": "most", "width": 128},
    {"norm": "instance", "width": 128},
    {"use_vae": True, "z_dim": 8, "spade_kernel_size": 1},
]
CONFIG_IDS = ["normal", "more-k5", "most", "instance", "vae-k1"]


def forward_backward(generator, semantics, z, target):
    out = generator(semantics, z=z) if z is not None else generator(semantics)
    ((out - target) ** 2).mean().backward()
    return out


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
@pytest.mark.parametrize("overrides", CONFIGS, ids=CONFIG_IDS)
def test_generator_forward_and_gradients_match_the_reference_in_training(labels, overrides):
    # In float64: the comparison then measures the two algorithms, not float32 rounding, which
    # in these tiny train-mode models (batch norm over 2 x 1 x 1 values) reaches 5e-2 relative in
    # some gradients of the reference itself against a float64 run. Measured difference: ~1e-12.
    reference, lookup = trained_pair(labels, torch.float64, **overrides)
    h, w = reference.config.output_size
    semantics = random_semantics(labels, n=2, h=h, w=w, seed=3).double()
    z = torch.randn(2, 8, dtype=torch.float64) if reference.config.use_vae else None
    target = torch.randn(2, 3, h, w, dtype=torch.float64)
    expected, got = (forward_backward(g, semantics, z, target) for g in (reference, lookup))
    assert expected.abs().mean() > 0.05
    assert relative_error(got, expected) < RELATIVE
    largest = max(p.grad.abs().max() for p in reference.parameters())
    for (name, p_ref), (_, p_lookup) in zip(reference.named_parameters(), lookup.named_parameters()):
        if p_ref.grad.abs().max() < 1e-9 * largest:
            # A bias right before a norm, which cancels it: its true gradient is 0.
            assert p_lookup.grad.abs().max() < 1e-9 * largest, name
        else:
            assert relative_error(p_lookup.grad, p_ref.grad) < RELATIVE, name
    # Batch-norm running statistics saw the same activations.
    for b_ref, b_lookup in zip(reference.buffers(), lookup.buffers()):
        if b_ref.is_floating_point():
            assert relative_error(b_lookup, b_ref) < RELATIVE


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
@pytest.mark.parametrize("overrides", CONFIGS, ids=CONFIG_IDS)
def test_generator_forward_matches_in_float32(labels, overrides):
    reference, lookup = trained_pair(labels, **overrides)
    h, w = reference.config.output_size
    semantics = random_semantics(labels, n=2, h=h, w=w, seed=3)
    z = torch.randn(2, 8) if reference.config.use_vae else None
    with torch.no_grad():
        outputs = [g(semantics, z=z) if z is not None else g(semantics) for g in (reference, lookup)]
    assert relative_error(outputs[1], outputs[0]) < RELATIVE


def test_lookup_is_opt_in():
    generator = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8))
    semantics = semantic_input(torch.zeros(2, 32, 32, dtype=torch.long), PLAIN)
    assert generator.condition(semantics) is semantics
    generator.label_lookup = True
    assert isinstance(generator.condition(semantics), LabelCodes)


def test_soft_label_maps_take_the_conv_path():
    reference, lookup = trained_pair(PLAIN)
    soft = torch.softmax(torch.randn(2, 3, 32, 32), dim=1)
    assert lookup.condition(soft) is soft
    assert isinstance(lookup.condition(semantic_input(torch.zeros(1, 32, 32, dtype=torch.long), PLAIN)), LabelCodes)
    assert torch.allclose(lookup(soft), reference(soft))


@pytest.mark.parametrize("kernel_size, stride, padding", [(4, 2, 2), (3, 2, 1), (4, 1, 2), (2, 3, 0)])
@pytest.mark.parametrize("labels", [PLAIN, EDGES, "soft-edges"], ids=["plain", "edges", "soft-edges"])
def test_strided_onehot_conv_equals_the_conv(labels, kernel_size, stride, padding):
    # The discriminator's first conv: 4x4, stride 2, padding 2, over the label map and the image.
    torch.manual_seed(1)
    soft = labels == "soft-edges"
    labels = EDGES if soft else labels
    semantics = random_semantics(labels, n=2, h=32, w=24)
    if soft:
        semantics[:, -1] = torch.rand(2, 32, 24)
    conv = torch.nn.Conv2d(labels.semantic_channels + 3, 5, kernel_size, stride=stride, padding=padding)
    image = torch.randn(2, 3, 32, 24)
    c = labels.semantic_channels
    reference = conv(torch.cat([semantics, image], dim=1))
    maps = LabelCodes.from_semantics(semantics)
    looked_up = onehot_conv(conv, maps, (32, 24), weight=conv.weight[:, :c])
    looked_up = looked_up + F.conv2d(image, conv.weight[:, c:], stride=stride, padding=padding)
    assert_same_values_and_gradients(looked_up, reference, conv)


def test_onehot_conv_refuses_convs_it_cannot_express():
    maps = LabelCodes.from_semantics(random_semantics(PLAIN, n=1, h=16, w=16))
    for conv in (
        torch.nn.Conv2d(3, 4, 3, padding=1, dilation=2),
        torch.nn.Conv2d(3, 4, (3, 1), padding=1),
        torch.nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"),
    ):
        with pytest.raises(ValueError, match="onehot_conv needs"):
            onehot_conv(conv, maps, (16, 16))


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
@pytest.mark.parametrize("num_d", [1, 3])
@pytest.mark.parametrize("repeats", [1, 2])
def test_discriminator_lookup_matches_the_reference_with_gradients(labels, num_d, repeats):
    # repeats=2 is the training step's call: fakes and reals of the same label maps in one batch,
    # the label maps given once; the reference gets them concatenated r times.
    torch.manual_seed(0)
    config = MultiscaleDiscriminatorConfig(input_channels=labels.semantic_channels + 3, ndf=8, num_d=num_d, init_gain=1.0)
    reference = MultiscaleDiscriminator(config).double()
    lookup = copy.deepcopy(reference)
    lookup.label_lookup = True
    semantics = random_semantics(labels, n=2, h=64, w=64, seed=5).double()
    images = [torch.randn(2 * repeats, 3, 64, 64, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    with torch.no_grad():
        images[1].copy_(images[0])
    outputs = [reference(torch.cat([semantics] * repeats), images[0]), lookup(semantics, images[1])]
    for scale_ref, scale_lookup in zip(*outputs):
        for f_ref, f_lookup in zip(scale_ref, scale_lookup):
            assert f_lookup.shape == f_ref.shape
            assert relative_error(f_lookup, f_ref) < RELATIVE
    for out in outputs:
        sum((f**2).mean() for scale in out for f in scale).backward()
    assert relative_error(images[1].grad, images[0].grad) < RELATIVE  # what the generator step needs
    for (name, p_ref), (_, p_lookup) in zip(reference.named_parameters(), lookup.named_parameters()):
        assert relative_error(p_lookup.grad, p_ref.grad) < RELATIVE, name


def test_discriminator_repeats_label_maps_without_lookup_too():
    torch.manual_seed(0)
    config = MultiscaleDiscriminatorConfig(input_channels=PLAIN.semantic_channels + 3, ndf=8)
    d = MultiscaleDiscriminator(config).eval()  # eval: no power iteration between the two calls
    semantics = random_semantics(PLAIN, n=2, h=32, w=32)
    images = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        once, twice = d(semantics, images), d(torch.cat([semantics, semantics]), images)
    assert all(torch.equal(a, b) for sa, sb in zip(once, twice) for a, b in zip(sa, sb))
    with pytest.raises(ValueError, match="image batch 3 is not a multiple of the semantics batch 2"):
        d(semantics, images[:3])


def test_discriminator_takes_the_concatenation_path_for_soft_maps(monkeypatch):
    calls = []
    monkeypatch.setattr("gaugan.models.discriminator.onehot_conv", lambda *a, **k: calls.append(1))
    config = MultiscaleDiscriminatorConfig(input_channels=PLAIN.semantic_channels + 3, ndf=8)
    d = MultiscaleDiscriminator(config, label_lookup=True)
    d(torch.softmax(torch.randn(1, 3, 32, 32), dim=1), torch.randn(1, 3, 32, 32))
    assert calls == []
    with pytest.raises(ValueError, match="expects 6 channels"):
        d(torch.zeros(1, 4, 32, 32), torch.zeros(1, 3, 32, 32))


def test_prepared_label_maps_serve_several_calls_and_skip_absent_classes_exactly():
    """The training step prepares the label maps once for its three D calls; the coarse scales
    then convolve only the channels present (here 2 of 4 classes + don't-care + edges)."""
    torch.manual_seed(0)
    config = MultiscaleDiscriminatorConfig(input_channels=EDGES.semantic_channels + 3, ndf=8, num_d=3, init_gain=1.0)
    reference = MultiscaleDiscriminator(config).double().eval()  # eval: no power iteration between calls
    lookup = copy.deepcopy(reference)
    lookup.label_lookup = True
    ids = torch.zeros(2, 64, 64, dtype=torch.long)
    ids[:, 20:] = 2  # classes b and d never occur
    instance = torch.zeros(2, 64, 64, dtype=torch.long)
    instance[:, :, 30:] = 1
    semantics = semantic_input(ids, EDGES, instance).double()
    prepared = lookup.prepare(semantics)
    assert prepared.channels.tolist() == [0, 2, EDGES.semantic_channels - 1]  # a, c and the edge map
    for seed in (1, 2):  # two images judged against the same prepared maps
        images = torch.randn(2, 3, 64, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
        for net in (reference, lookup):
            net.zero_grad()
        outputs = [reference(semantics, images), lookup(prepared, images)]
        for scale_ref, scale_lookup in zip(*outputs):
            for f_ref, f_lookup in zip(scale_ref, scale_lookup):
                assert relative_error(f_lookup, f_ref) < RELATIVE
        for out in outputs:
            sum((f**2).mean() for scale in out for f in scale).backward()
        for (name, p_ref), (_, p_lookup) in zip(reference.named_parameters(), lookup.named_parameters()):
            assert relative_error(p_lookup.grad, p_ref.grad) < RELATIVE, name


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
def test_channels_last_lookup_gives_the_same_values_and_gradients_in_channels_last_memory(labels):
    torch.manual_seed(0)
    semantics = random_semantics(labels, n=2, h=32, w=32)
    conv = torch.nn.Conv2d(labels.semantic_channels, 6, 3, padding=1)
    maps = LabelCodes.from_semantics(semantics)
    for size in [(32, 32), (16, 8)]:
        reference = conv(F.interpolate(semantics, size=size, mode="nearest"))
        nhwc = onehot_conv(conv, maps, size, channels_last=True)
        assert nhwc.is_contiguous(memory_format=torch.channels_last) and not nhwc.is_contiguous()
        assert onehot_conv(conv, maps, size).is_contiguous()  # the default stays NCHW
        assert_same_values_and_gradients(nhwc, reference, conv)


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
def test_under_cpu_bf16_autocast_spade_convs_run_channels_last_with_the_same_results(labels, monkeypatch):
    # Under bf16 autocast SPADE keeps the lookup's channels-last memory for its gamma and beta convs
    # (oneDNN runs them several times faster so); the NCHW path it replaces must give the same
    # picture and gradients, to the convs' own bf16 rounding.
    _, channels_last = trained_pair(labels)
    nchw = copy.deepcopy(channels_last)
    h, w = channels_last.config.output_size
    semantics = random_semantics(labels, n=2, h=h, w=w, seed=3)
    target = torch.randn(2, 3, h, w)
    seen = []
    real = spade_module._bf16_on_cpu
    monkeypatch.setattr(spade_module, "_bf16_on_cpu", lambda device: seen.append(real(device)) or seen[-1])
    assert not real(torch.device("cpu"))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = forward_backward(channels_last, semantics, None, target)
        assert seen and all(seen)  # every SPADE layer took the channels-last path
        monkeypatch.setattr(spade_module, "_bf16_on_cpu", lambda device: False)
        expected = forward_backward(nchw, semantics, None, target)
    assert got.is_contiguous() and relative_error(got.float(), expected.float()) < 2e-2
    for (name, p_a), (_, p_b) in zip(channels_last.named_parameters(), nchw.named_parameters()):
        assert relative_error(p_a.grad, p_b.grad) < 2e-2, name
