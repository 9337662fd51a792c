"""Packaging a CamVid run into a `streets`-style model: float16 weights, painter settings, real style
frames and held-out example layouts, and the commands read it by name or path."""

import json

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open

from gaugan.cli import main
from gaugan.default_model import EMBEDDED_MODELS, embedded_checkpoint, resolve_checkpoint
from gaugan.pipeline import Synthesizer
from gaugan.streets.package import APP_SETTINGS, EXAMPLE_COUNT, STYLE_FRAMES, TRUNCATION, package
from gaugan.train import TrainConfig, Trainer


@pytest.fixture(scope="module")
def packaged(shared_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("streets")
    config = TrainConfig(
        dataset="camvid", dataroot=str(shared_data / "camvid"), preprocess="fixed", crop_size=128, aspect_ratio=4 / 3,
        generator="clade", ngf=8, ndf=8, use_vae=True, use_vgg=False, batch_size=2, iterations=2, max_samples=4,
        checkpoint_every=2, output_dir=str(root / "run"), tensorboard=False, ema_decay=0.9,
    )
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: a second thread costs more than it computes (see conftest.one_thread)
    try:
        Trainer(config, show_progress=False).fit()
        return package(root / "run", root / "model"), root / "model"
    finally:
        torch.set_num_threads(threads)


def test_package_holds_float16_weights_settings_styles_and_heldout_examples(packaged, shared_data):
    record, directory = packaged
    assert record["step"] == 2 and record["held_out"].startswith("CamVid val")
    for weights in ("generator.safetensors", "discriminator.safetensors"):  # D: for continuations (init_from)
        with safe_open(directory / weights, "pt") as f:
            assert {f.get_tensor(k).dtype for k in f.keys() if f.get_tensor(k).is_floating_point()} == {torch.float16}
    assert "discriminator.safetensors" in json.loads((directory / "checksums.json").read_text())["files"]
    settings = json.loads((directory / "app.json").read_text())
    assert settings == APP_SETTINGS and sorted(settings["featured"]) == list(range(11))
    styles = sorted(p.stem for p in (directory / "styles").glob("*.jpg"))
    assert styles == sorted(STYLE_FRAMES) and Image.open(directory / "styles" / "sunny.jpg").size == (128, 96)
    examples = sorted((directory / "examples").glob("*.png"))
    val_names = {line.split()[0].split("/")[-1][:-4] for line in (shared_data / "camvid/val.txt").read_text().split("\n") if line}
    assert len(examples) == EXAMPLE_COUNT and {p.stem for p in examples} <= val_names  # held-out layouts only
    ids = np.asarray(Image.open(examples[0]))
    assert ids.shape == (96, 128) and ids.max() <= 11 and len(np.unique(ids)) >= 4
    synth = Synthesizer.from_pretrained(directory)
    assert synth.has_encoder and synth.output_size == (96, 128) and synth.labels.names[0] == "sky"
    # Seeds draw at the street truncation, written into config.json (the weights are the run's EMA).
    assert json.loads((directory / "config.json").read_text())["truncation"] == TRUNCATION == synth.model.truncation


def test_synthesize_examples_paints_the_shipped_layouts(packaged, tmp_path, capsys):
    directory = packaged[1]
    assert main(["synthesize", str(directory), "--examples", "--seeds", "0-1", "-o", str(tmp_path / "out")]) == 0
    pictures = sorted((tmp_path / "out").glob("*_seed*.png"))
    assert len(pictures) == 2 * EXAMPLE_COUNT and Image.open(pictures[0]).size == (128, 96)
    first, second = (np.asarray(Image.open(p), np.float64) for p in pictures[:2])
    assert np.abs(first - second).mean() > 0.5  # seeds give different pictures


def test_synthesize_examples_refused_for_a_model_without_them(packaged, tmp_path, capsys):
    directory = packaged[1]
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("config.json", "generator.safetensors", "encoder.safetensors"):
        (bare / name).write_bytes((directory / name).read_bytes())
    assert main(["synthesize", str(bare), "--examples", "-o", str(tmp_path / "out")]) == 2
    assert "--examples: this model has no example layouts" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["synthesize", str(bare), "-o", str(tmp_path / "out")]) == 2
    assert "give files, folders or --examples" in capsys.readouterr().err


def test_a_label_map_with_a_class_the_model_lacks_is_refused_naming_the_file(packaged, tmp_path, capsys):
    directory = packaged[1]
    bad = tmp_path / "bad.png"
    values = np.zeros((96, 128), np.uint8)
    values[0, 0] = 40  # CamVid has ids 0..11
    Image.fromarray(values).save(bad)
    assert main(["synthesize", str(directory), str(bad), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "bad.png" in err and "40" in err
    assert not list((tmp_path / "out").glob("*.png"))


def test_embedded_model_names_resolve_and_a_missing_one_says_how_to_train_it(monkeypatch, tmp_path):
    assert resolve_checkpoint(tmp_path) == tmp_path
    assert resolve_checkpoint("landscapes") == EMBEDDED_MODELS["landscapes"]
    monkeypatch.setitem(EMBEDDED_MODELS, "streets", tmp_path / "nothing-here")
    with pytest.raises(FileNotFoundError, match="embedded streets model is missing .* configs/streets-256.yaml"):
        embedded_checkpoint("streets")
    assert resolve_checkpoint("default") == EMBEDDED_MODELS["landscapes"]  # the first one shipped
    with pytest.raises(KeyError, match="no embedded model 'castles'"):
        embedded_checkpoint("castles")
