"""Synthesizer backends (torch, fast, onnx, auto) compute the same pictures as the reference modules."""

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from gaugan.cli import main
from gaugan.labels import LabelSet
from gaugan.models import CLADEGeneratorConfig, ConvEncoder, ConvEncoderConfig, GauGAN, Pix2PixHDGenerator, Pix2PixHDGeneratorConfig
from gaugan.pipeline import Synthesizer
from model_helpers import tiny_generator, warmed_up

TOLERANCE = 1e-4  # max abs difference, fp32

PLAIN = LabelSet(names=("sky", "sea", "grass"), colors=((120, 170, 255), (20, 60, 160), (90, 190, 60)), dataset="toy")
EDGES = LabelSet(names=PLAIN.names, colors=PLAIN.colors, dontcare=True, instance=True, dataset="toy+edges")


# Tiny tensors: one thread (see the one_thread fixture in conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


def spade_model(labels: LabelSet, encoder: bool = False, **overrides) -> GauGAN:
    generator = warmed_up(tiny_generator(labels, warm=False, use_vae=encoder, z_dim=8, **overrides), labels, passes=2, seed=50)
    e = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=32, init_gain=1.0)).eval() if encoder else None
    return GauGAN(generator, labels, e)


def clade_model(labels: LabelSet, encoder: bool = False) -> GauGAN:
    generator = tiny_generator(labels, CLADEGeneratorConfig, warm=False, use_vae=encoder, z_dim=8)
    with torch.no_grad():  # CLADE starts with zero shifts, which gives near-zero pictures
        for name, parameter in generator.named_parameters():
            if name.endswith(".beta"):
                parameter.normal_()
    e = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=32, init_gain=1.0)).eval() if encoder else None
    return GauGAN(warmed_up(generator, labels, passes=2, seed=50), labels, e)


def layouts(labels: LabelSet, n: int = 2, size: int = 32) -> list[np.ndarray]:
    g = np.random.default_rng(3)
    classes = labels.num_classes + int(labels.dontcare)
    return [np.kron(g.integers(0, classes, (size // 8, size // 8)), np.ones((8, 8), np.int64)) for _ in range(n)]


def max_diff(model: GauGAN, backend: str, maps, **kwargs) -> float:
    expected = Synthesizer(model, backend="torch").generate(maps, **kwargs)
    assert expected.abs().mean() > 0.05  # not a vacuous comparison of near-zero outputs
    got = Synthesizer(model, backend=backend).generate(maps, **kwargs)
    assert got.shape == expected.shape
    return (got - expected).abs().max().item()


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
@pytest.mark.parametrize("backend", ["fast", "onnx", "auto"])
def test_spade_backends_match_the_reference(labels, backend):
    assert max_diff(spade_model(labels), backend, layouts(labels)) < TOLERANCE


@pytest.mark.parametrize("backend", ["fast", "onnx"])
def test_spade_with_encoder_matches_for_seeds_and_style(backend):
    model = spade_model(EDGES, encoder=True)
    maps = layouts(EDGES, n=3)
    assert max_diff(model, backend, maps, seed=[0, 1, 2]) < TOLERANCE
    style = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 48, 3), dtype=np.uint8))
    assert max_diff(model, backend, maps, style_image=style) < TOLERANCE


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
@pytest.mark.parametrize("backend", ["fast", "onnx", "auto"])
def test_clade_backends_match_the_reference(labels, backend):
    assert max_diff(clade_model(labels), backend, layouts(labels)) < TOLERANCE


def test_clade_with_encoder_matches_for_seeds_and_style():
    model = clade_model(EDGES, encoder=True)
    maps = layouts(EDGES, n=3)
    assert Synthesizer(model).backend == "fast"
    assert max_diff(model, "fast", maps, seed=[0, 1, 2]) < TOLERANCE
    style = Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 48, 3), dtype=np.uint8))
    assert max_diff(model, "fast", maps, style_image=style) < TOLERANCE


def test_fast_backend_refuses_a_generator_it_has_no_fast_path_for():
    config = Pix2PixHDGeneratorConfig(semantic_channels=PLAIN.semantic_channels, ngf=8, n_downsample=1, n_blocks=1)
    model = GauGAN(Pix2PixHDGenerator(config).eval(), PLAIN)
    assert Synthesizer(model).backend == "torch"
    with pytest.raises(ValueError, match="'fast' is for SPADE and CLADE generators.*Pix2PixHDGenerator"):
        Synthesizer(model, backend="fast")


def test_auto_is_fast_for_spade_on_cpu_and_bad_choices_are_named():
    model = spade_model(PLAIN)
    assert Synthesizer(model).backend == "fast"
    assert Synthesizer(model, backend="torch").backend == "torch"
    with pytest.raises(ValueError, match="auto, torch, fast, onnx; got 'tensorrt'"):
        Synthesizer(model, backend="tensorrt")
    with pytest.raises(ValueError, match="onnx backend runs in fp32 only"):
        Synthesizer(model, precision="bf16", backend="onnx")


def test_onnx_backend_reuses_a_current_export_and_replaces_a_stale_one(tmp_path, monkeypatch):
    checkpoint = tmp_path / "ckpt"
    model = spade_model(PLAIN)
    model.save_pretrained(checkpoint)
    assert main(["export", str(checkpoint), "--format", "onnx"]) == 0
    maps = layouts(PLAIN)
    reference = Synthesizer(model, backend="torch").generate(maps)

    import gaugan.export.onnx_export as onnx_export

    calls = []
    real_export = onnx_export.export_onnx
    monkeypatch.setattr(onnx_export, "export_onnx", lambda *a, **k: calls.append(1) or real_export(*a, **k))
    import gaugan.export as export_package

    monkeypatch.setattr(export_package, "export_onnx", onnx_export.export_onnx)
    synth = Synthesizer.from_pretrained(checkpoint, backend="onnx")
    assert not calls  # the current export in ckpt/onnx was used
    assert (synth.generate(maps) - reference).abs().max() < TOLERANCE

    # New weights in the checkpoint: the old export is stale, so a fresh one is made (with a warning).
    torch.manual_seed(1)
    changed = spade_model(PLAIN, ngf=8)
    with torch.no_grad():
        changed.generator.conv_img.bias.add_(0.5)
    changed.save_pretrained(checkpoint)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        synth = Synthesizer.from_pretrained(checkpoint, backend="onnx")
    assert calls and any("gaugan export" in str(w.message) for w in caught)
    expected = Synthesizer(changed, backend="torch").generate(maps)
    assert (synth.generate(maps) - expected).abs().max() < TOLERANCE


def test_synthesize_cli_takes_a_backend(tmp_path):
    checkpoint = tmp_path / "ckpt"
    spade_model(PLAIN).save_pretrained(checkpoint)
    Image.fromarray(layouts(PLAIN, n=1)[0].astype(np.uint8)).save(tmp_path / "a.png")
    pictures = {}
    for backend in ("torch", "fast", "onnx"):
        out = tmp_path / backend
        assert main(["synthesize", str(checkpoint), str(tmp_path / "a.png"), "-o", str(out), "--backend", backend]) == 0
        pictures[backend] = np.asarray(Image.open(out / "a_seed0.png"), np.int16)
    # 8-bit pictures of outputs within 1e-4: at most one level apart where rounding falls differently.
    assert np.abs(pictures["fast"] - pictures["torch"]).max() <= 1
    assert np.abs(pictures["onnx"] - pictures["torch"]).max() <= 1
