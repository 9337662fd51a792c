import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage

from gaugan.labels import LabelSet
from gaugan.models import CLADEGenerator, CLADEGeneratorConfig, GauGAN, build_model, config_from_dict, config_to_dict
from gaugan.nn.clade import CLADE, ClassLabels, connected_components, intra_class_positions
from model_helpers import random_semantics


# Tiny tensors: one thread (see the one_thread fixture in conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


def tiny_config(labels, **overrides) -> CLADEGeneratorConfig:
    options = dict(semantic_channels=labels.semantic_channels, edge_channel=labels.instance, ngf=8, width=64, init_gain=1.0)
    options.update(overrides)
    return CLADEGeneratorConfig(**options)


def test_clade_keeps_bf16_activations_in_bf16_under_autocast():
    """fp32 tables must not promote the modulated activations (and every op after) to fp32."""
    torch.manual_seed(0)
    layer = CLADE(4, 3, norm="instance")
    x = torch.randn(1, 4, 8, 8).bfloat16()
    labels = ClassLabels(torch.randint(0, 3, (1, 8, 8)))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(x, labels)
    assert out.dtype == torch.bfloat16
    reference = layer(x.float(), labels)  # the same function in fp32, within bf16 rounding
    assert torch.allclose(out.float(), reference, atol=0.05, rtol=0.02)


@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_clade_is_norm_times_class_gamma_plus_class_beta(norm):
    torch.manual_seed(0)
    layer = CLADE(6, 4, norm=norm)
    with torch.no_grad():
        layer.beta.normal_()
    x = torch.randn(2, 6, 8, 8) * 3 + 1
    ids = torch.randint(0, 4, (2, 4, 4))
    out = layer(x, ClassLabels(ids))

    onehot = F.interpolate(F.one_hot(ids, 4).permute(0, 3, 1, 2).float(), size=(8, 8), mode="nearest")
    # The lookup is exactly a 1x1 bias-free conv of the one-hot map with weight gamma.T.
    gamma = F.conv2d(onehot, layer.gamma.T[:, :, None, None])
    beta = F.conv2d(onehot, layer.beta.T[:, :, None, None])
    dims = (0, 2, 3) if norm == "batch" else (2, 3)
    normalized = (x - x.mean(dims, keepdim=True)) / torch.sqrt(x.var(dims, unbiased=False, keepdim=True) + 1e-5)
    assert torch.allclose(out, normalized * gamma + beta, atol=1e-5)


def test_edge_channel_is_appended_as_a_feature_not_a_class():
    torch.manual_seed(0)
    layer = CLADE(6, 4, norm="batch", edge_channel=True)
    x, ids, edges = torch.randn(2, 6, 8, 8), torch.randint(0, 4, (2, 8, 8)), (torch.rand(2, 1, 8, 8) > 0.5).float()
    out = layer(x, ClassLabels(ids, edges))
    assert out.shape == (2, 7, 8, 8)
    expected = layer.param_free_norm(x) * layer.gamma[ids].permute(0, 3, 1, 2) + layer.beta[ids].permute(0, 3, 1, 2)
    assert torch.allclose(out[:, :6], expected, atol=1e-6)
    assert torch.allclose(out[:, 6:], layer.edge_conv(edges))
    # The class rows come out channels-last and so does the modulated map: the edge feature must not
    # turn it back into NCHW memory (every conv after it would run NCHW, and its gradient be copied).
    assert out.is_contiguous(memory_format=torch.channels_last)
    (out * torch.randn_like(out)).sum().backward()
    assert layer.gamma.grad.abs().sum() > 0 and layer.edge_conv.weight.grad.abs().sum() > 0


def test_positional_encoding_scales_gamma_and_beta():
    torch.manual_seed(0)
    layer = CLADE(3, 2, norm="instance", positional_encoding=True)
    with torch.no_grad():
        layer.beta.normal_()
        for conv in (layer.position_gamma, layer.position_beta):
            conv.weight.normal_()
            conv.bias.normal_()
    ids = torch.zeros(1, 6, 6, dtype=torch.long)
    ids[:, :, 3:] = 1
    positions = intra_class_positions(ids)
    gamma, beta = layer.modulation(ClassLabels(ids, positions=positions), (6, 6))
    plain_gamma = layer.gamma[ids].permute(0, 3, 1, 2)
    assert torch.allclose(gamma, plain_gamma * (1 + layer.position_gamma(positions)))
    assert torch.allclose(beta, layer.beta[ids].permute(0, 3, 1, 2) * (1 + layer.position_beta(positions)))


def test_intra_class_positions_of_two_regions_of_one_class():
    ids = torch.zeros(1, 5, 7, dtype=torch.long)
    ids[:, 1:4, 1:4] = 1  # a 3x3 square of class 1
    ids[:, 0:2, 5:7] = 1  # a separate 2x2 square of class 1 (not 8-connected to the first)
    positions = intra_class_positions(ids)
    assert torch.allclose(positions[0, :, 1:4, 1:4], torch.stack(torch.meshgrid(torch.tensor([-1.0, 0, 1]), torch.tensor([-1.0, 0, 1]), indexing="ij")))
    assert torch.allclose(positions[0, :, 0:2, 5:7], torch.stack(torch.meshgrid(torch.tensor([-1.0, 1]), torch.tensor([-1.0, 1]), indexing="ij")))
    assert positions.abs().max() <= 1


@pytest.mark.parametrize("seed", range(6))
def test_connected_components_match_scipy(seed):
    g = torch.Generator().manual_seed(seed)
    if seed % 2:
        ids = F.interpolate(torch.randint(0, 3, (2, 1, 6, 5), generator=g).float(), size=(37, 29)).long()[:, 0]
    else:
        ids = torch.randint(0, 2, (2, 37, 29), generator=g)  # noise: long, winding regions
    regions = connected_components(ids).numpy()
    for b in range(2):
        expected, count = np.zeros(ids.shape[1:], dtype=np.int64), 0
        for value in np.unique(ids[b].numpy()):
            found, n = ndimage.label(ids[b].numpy() == value, structure=np.ones((3, 3)))
            expected[found > 0] = found[found > 0] + count
            count += n
        assert len(np.unique(regions[b])) == count == len(set(zip(regions[b].ravel(), expected.ravel())))


@pytest.mark.parametrize("positional_encoding, use_vae", [(False, False), (True, True)])
def test_clade_generator_trains_every_parameter(tiny_labels, positional_encoding, use_vae):
    torch.manual_seed(0)
    generator = CLADEGenerator(tiny_config(tiny_labels, positional_encoding=positional_encoding, use_vae=use_vae, z_dim=8))
    with torch.no_grad():  # as after some training: zero shifts would hide the ICPE beta convs' gradient
        for name, p in generator.named_parameters():
            if name.endswith(".beta"):
                p.normal_()
    semantics = random_semantics(tiny_labels, n=2, h=64, w=64)
    semantics[:, -1] = (torch.rand(2, 64, 64) > 0.5).float()  # edges present at every resolution
    out = generator(semantics, z=torch.randn(2, 8) if use_vae else None)
    assert out.shape == (2, 3, 64, 64) and out.abs().max() <= 1
    (out * torch.randn_like(out)).sum().backward()
    missing = {name for name, p in generator.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0}
    # A shortcut's edge-feature bias becomes a per-channel constant after the 1x1 shortcut conv,
    # which the next block's batch norm removes: its true gradient is 0 (rounding noise decides
    # whether the computed one is exactly 0). Only the last block's output keeps it.
    cancelled = {f"{block}.norm_s.edge_conv.bias" for block in ("head_0", "G_middle_0", "G_middle_1", "up_0", "up_1", "up_2")}
    assert not missing - cancelled
    assert generator.up_3.norm_s.edge_conv.bias.grad.abs().sum() > 0


def test_clade_generator_output_depends_on_uniform_label(tiny_labels):
    # The paper's Figure 3 property holds for CLADE too: a uniform label map is not washed away.
    # (Train mode: batch statistics, since a fresh model's running statistics are placeholders.)
    torch.manual_seed(0)
    generator = CLADEGenerator(tiny_config(tiny_labels)).train()
    images = []
    for class_id in (0, 1):
        semantics = torch.zeros(1, tiny_labels.semantic_channels, 64, 64)
        semantics[:, class_id] = 1
        with torch.no_grad():
            images.append(generator(semantics))
    assert (images[0] - images[1]).abs().mean() > 0.1 * images[0].abs().mean()


def test_clade_checkpoint_round_trip(tiny_labels, tmp_path):
    torch.manual_seed(0)
    config = tiny_config(tiny_labels, positional_encoding=True)
    assert config_from_dict(config_to_dict(config)) == config
    model = GauGAN(build_model(config_to_dict(config)), tiny_labels).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.01)  # weights unlike a fresh init
    model.save_pretrained(tmp_path / "clade")
    loaded = GauGAN.from_pretrained(tmp_path / "clade")
    assert isinstance(loaded.generator, CLADEGenerator) and loaded.generator.config == config
    semantics = random_semantics(tiny_labels, n=1, h=64, w=64)
    with torch.no_grad():
        assert torch.equal(loaded(semantics), model(semantics))


def test_coco_stuff_clade_generator_parameter_count():
    # 182 classes + don't-care + instance edges, ngf 64, built as the official CLADE code builds it:
    # SPADE's generator without the SPADE convs, plus 2 x 183 x C tables and a 1x1 edge conv per
    # CLADE layer and one more input channel per block conv.
    labels = LabelSet.generic(182, dontcare=True, instance=True)
    generator = CLADEGenerator(CLADEGeneratorConfig(semantic_channels=labels.semantic_channels, edge_channel=True))
    assert sum(p.numel() for p in generator.parameters()) == 72_505_383


def test_class_ids_from_one_hot_equal_argmax_also_under_bf16_autocast():
    from gaugan.nn.clade import ClassLabels

    ids = torch.randint(0, 300, (2, 16, 16))
    ids[0, :2] = 299  # ids above 256 are not exact in bfloat16
    one_hot = torch.nn.functional.one_hot(ids, 300).permute(0, 3, 1, 2).float()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        found = ClassLabels.from_semantics(one_hot, edge_channel=False, positional_encoding=False).ids
    assert torch.equal(found, ids) and torch.equal(found, one_hot.argmax(1))
    empty = torch.zeros(1, 5, 4, 4)  # no class set: class 0, as argmax says
    assert torch.equal(ClassLabels.from_semantics(empty, False, False).ids, torch.zeros(1, 4, 4, dtype=torch.long))
