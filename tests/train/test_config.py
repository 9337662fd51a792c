import json
from pathlib import Path

import pytest

from gaugan.cli import main
from gaugan.train.config import TrainConfig, resolve_config


def test_recipe_defaults_are_the_papers():
    c = TrainConfig()
    assert (c.lr_generator, c.lr_discriminator, c.beta1, c.beta2) == (0.0001, 0.0004, 0.0, 0.9)
    assert (c.lambda_feat, c.lambda_vgg, c.lambda_kld, c.gan_mode) == (10.0, 10.0, 0.05, "hinge")
    no_ttur = TrainConfig(ttur=False, beta2=0.999)
    assert no_ttur.lr_generator == no_ttur.lr_discriminator == 0.0002


def test_precedence_preset_then_file_then_flags_then_set(tmp_path):
    yaml_file = tmp_path / "run.yaml"
    yaml_file.write_text("crop_size: 128\nbatch_size: 4\nngf: 32\n")
    c = resolve_config("cityscapes", yaml_file, {"batch_size": 8, "ngf": None}, ["ngf=16", "vgg_weights=/w/vgg.pth"])
    assert c.num_upsampling_layers == "more" and c.aspect_ratio == 2.0  # preset
    assert c.crop_size == 128  # file over preset
    assert c.batch_size == 8  # flag over file
    assert c.ngf == 16  # --set over everything
    assert c.vgg_weights == "/w/vgg.pth"


def test_unknown_fields_and_bad_values_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown config field 'ngff'"):
        resolve_config(set_items=["ngff=3"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"batchsize": 3}))
    with pytest.raises(ValueError, match="unknown training config fields: batchsize"):
        resolve_config(config_file=bad)
    with pytest.raises(ValueError, match="precision must be one of auto, fp32, bf16, fp16"):
        resolve_config(set_items=["precision=fp8"])
    with pytest.raises(FileNotFoundError, match="training config not found"):
        resolve_config(config_file=tmp_path / "missing.yaml")


def test_cli_prints_resolved_config(capsys):
    assert main(["train", "--preset", "coco-stuff", "--batch-size", "3", "--set", "lr=0.001", "--print-config"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["dataset"] == "coco-stuff" and printed["batch_size"] == 3 and printed["lr"] == 0.001


def test_cli_zero_overrides_the_config_file(capsys):
    """A flag given as 0 is a value, not "unset": it must beat the config file's 5,000 decay steps."""
    config = str(Path(__file__).resolve().parents[2] / "configs" / "streets-256.yaml")
    assert main(["train", "--config", config, "--decay-iterations", "0", "--iterations", "7", "--print-config"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["decay_iterations"] == 0 and printed["iterations"] == 7
    assert main(["train", "--config", config, "--print-config"]) == 0
    assert json.loads(capsys.readouterr().out)["decay_iterations"] == 5000


def test_cli_refuses_vgg_without_weights_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GAUGAN_VGG19_WEIGHTS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    code = main(["train", "--dataset", "folder", "--dataroot", str(tmp_path), "--vgg-weights", str(tmp_path / "vgg.pth"),
                 "--output-dir", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "gaugan train:" in err
    assert not (tmp_path / "out").exists()
