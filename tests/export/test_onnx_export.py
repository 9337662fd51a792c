"""`gaugan export --format onnx`: class ids in, the same pictures as PyTorch out; written atomically."""

import json

import numpy as np
import pytest
import torch

from gaugan.cli import main
from gaugan.export import ExportError, OnnxGauGAN, export_is_current, export_onnx
from gaugan.export.graphs import instance_edges_traceable
from gaugan.labels import LabelSet
from gaugan.models import CLADEGeneratorConfig, ConvEncoder, ConvEncoderConfig, GauGAN
from gaugan.semantics import instance_edges, semantic_input
from model_helpers import random_semantics, tiny_generator, warmed_up

TOLERANCE = 1e-4

PLAIN = LabelSet(names=("sky", "sea", "grass", "rock"), colors=((1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4)))
EDGES = LabelSet(names=PLAIN.names, colors=PLAIN.colors, dontcare=True, instance=True)


# Tiny tensors: one thread (see the one_thread fixture in conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


def spade(labels, encoder=False, **overrides):
    generator = warmed_up(tiny_generator(labels, warm=False, use_vae=encoder, z_dim=8, **overrides), labels, passes=2, seed=10)
    e = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=32, init_gain=1.0)).eval() if encoder else None
    return GauGAN(generator, labels, e)


def clade(labels, **overrides):
    generator = tiny_generator(labels, CLADEGeneratorConfig, warm=False, **overrides)
    with torch.no_grad():  # CLADE starts with zero shifts: near-zero pictures otherwise
        for name, parameter in generator.named_parameters():
            if name.endswith(".beta"):
                parameter.normal_()
    return GauGAN(warmed_up(generator, labels, passes=2, seed=10), labels)


def onnx_vs_torch(model, directory, batch=3):
    """Max |onnx - torch| on a batch size the export was not traced with."""
    runtime = OnnxGauGAN(directory)
    h, w = runtime.size
    g = torch.Generator().manual_seed(5)
    classes = model.labels.num_classes + int(model.labels.dontcare)
    ids = torch.randint(0, classes, (batch, h // 4, w // 4), generator=g).repeat_interleave(4, 1).repeat_interleave(4, 2)
    instances = torch.randint(0, 3, (batch, h, w), generator=g) if model.labels.instance else None
    z = torch.randn(batch, model.generator.config.z_dim, generator=g) if model.generator.config.use_vae else None
    with torch.no_grad():
        expected = model(semantic_input(ids, model.labels, instances), z=z)
    assert expected.abs().mean() > 0.05  # not a vacuous comparison
    return (runtime.generate(ids, instances, z) - expected).abs().max().item()


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"num_upsampling_layers": "more", "width": 64},
        {"num_upsampling_layers": "most", "width": 128},
        {"norm": "instance", "width": 64},
        {"aspect_ratio": 2.0, "width": 64, "spade_kernel_size": 5},
    ],
    ids=["normal", "more", "most", "instance-norm", "2to1-k5"],
)
def test_spade_export_matches_torch(tmp_path, labels, overrides):
    model = spade(labels, **overrides)
    manifest = export_onnx(model, tmp_path / "onnx")
    assert manifest["generator"]["form"] == "lookup"
    assert manifest["verification"]["generator_max_abs_diff"] < TOLERANCE
    assert onnx_vs_torch(model, tmp_path / "onnx") < TOLERANCE


def test_spade_with_encoder_exports_both_and_the_encoder_takes_any_size(tmp_path):
    model = spade(EDGES, encoder=True)
    manifest = export_onnx(model, tmp_path / "onnx")
    assert [i["name"] for i in manifest["generator"]["inputs"]] == ["label_ids", "instance_ids", "z"]
    assert manifest["encoder"]["file"] == "encoder.onnx"
    assert onnx_vs_torch(model, tmp_path / "onnx") < TOLERANCE
    runtime = OnnxGauGAN(tmp_path / "onnx")
    for shape in [(1, 3, 32, 32), (3, 3, 48, 40)]:
        image = torch.rand(shape) * 2 - 1
        with torch.no_grad():
            mu = model.encode_style(image)
        assert (runtime.encode(image) - mu).abs().max() < TOLERANCE


@pytest.mark.parametrize("labels", [PLAIN, EDGES], ids=["plain", "edges"])
def test_clade_export_matches_torch_and_icpe_is_refused_by_name(tmp_path, labels):
    model = clade(labels)
    manifest = export_onnx(model, tmp_path / "onnx")
    assert manifest["generator"]["form"] == "one-hot"
    assert onnx_vs_torch(model, tmp_path / "onnx") < TOLERANCE
    # The export's weights are copies: the source model still works afterwards.
    model(random_semantics(labels, n=1, h=32, w=32))
    with pytest.raises(ExportError, match="CLADE-ICPE cannot be exported"):
        export_onnx(clade(labels, positional_encoding=True), tmp_path / "icpe")
    assert not (tmp_path / "icpe").exists()


def test_traceable_edges_equal_the_reference():
    ids = torch.randint(0, 3, (2, 9, 7))
    assert torch.equal(instance_edges_traceable(ids), instance_edges(ids))


def test_a_failed_verification_writes_nothing_and_keeps_the_old_export(tmp_path):
    model = spade(PLAIN)
    out = tmp_path / "onnx"
    export_onnx(model, out)
    before = (out / "manifest.json").read_text()
    with pytest.raises(ExportError, match="differs from PyTorch.*nothing was written"):
        export_onnx(model, out, tolerance=0.0)
    assert (out / "manifest.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["onnx"]  # no temporary directories left
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep")
    with pytest.raises(ExportError, match="not a gaugan ONNX export"):
        export_onnx(model, tmp_path / "notes")
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep"


def test_cli_exports_into_the_checkpoint_and_tracks_its_weights(tmp_path, capsys):
    checkpoint = tmp_path / "ckpt"
    spade(EDGES, encoder=True).save_pretrained(checkpoint)
    assert main(["export", str(checkpoint), "--format", "onnx"]) == 0
    out = capsys.readouterr().out
    assert "generator: max |onnxruntime - torch| =" in out and "encoder: max |onnxruntime - torch| =" in out
    manifest = json.loads((checkpoint / "onnx" / "manifest.json").read_text())
    assert set(manifest["source"]["sha256"]) == {"config.json", "generator.safetensors", "encoder.safetensors"}
    assert manifest["labels"]["names"] == list(EDGES.names)
    assert export_is_current(checkpoint / "onnx", checkpoint)
    # Retraining changes the weights: the export no longer matches.
    model = GauGAN.from_pretrained(checkpoint)
    with torch.no_grad():
        model.generator.conv_img.bias.add_(1.0)
    model.save_pretrained(checkpoint)
    assert not export_is_current(checkpoint / "onnx", checkpoint)
    assert main(["export", str(checkpoint), "-o", str(tmp_path / "elsewhere")]) == 0
    assert export_is_current(tmp_path / "elsewhere", checkpoint)
    assert main(["export", str(tmp_path / "missing")]) == 2
    assert "not found" in capsys.readouterr().err


def test_label_maps_of_another_size_are_refused_by_the_runtime(tmp_path):
    export_onnx(spade(PLAIN), tmp_path / "onnx")
    with pytest.raises(ValueError, match="must be 32x32"):
        OnnxGauGAN(tmp_path / "onnx").generate(np.zeros((1, 16, 16), np.int64))
