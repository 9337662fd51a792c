import json

import pytest
import torch

from gaugan.models import (
    CheckpointError,
    ConvEncoder,
    ConvEncoderConfig,
    GauGAN,
    SPADEGenerator,
    SPADEGeneratorConfig,
    config_from_dict,
    config_to_dict,
    load_weights,
)
from model_helpers import random_semantics


def _model(labels, ngf=8, with_encoder=True):
    torch.manual_seed(0)
    g = SPADEGenerator(
        SPADEGeneratorConfig(
            semantic_channels=labels.semantic_channels, ngf=ngf, width=32, spade_hidden=8, use_vae=with_encoder, z_dim=8, init_gain=1.0
        )
    )
    e = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=32)) if with_encoder else None
    return GauGAN(g, labels, e)


def test_round_trip_gives_the_same_images_and_metadata(tmp_path, tiny_labels):
    model = _model(tiny_labels)
    # Train-mode forward moves BN running stats and spectral-norm vectors away from their init,
    # so the round trip must carry buffers, not just parameters.
    model.train()
    model(random_semantics(tiny_labels, n=2), z=torch.randn(2, 8))
    model.eval()
    seg = random_semantics(tiny_labels, n=1, seed=5)
    z = torch.randn(1, 8)
    style_image = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        expected = model(seg, z=z)
        style = model.encode_style(style_image)

    model.save_pretrained(tmp_path / "ckpt")
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == [
        "checksums.json",
        "config.json",
        "encoder.safetensors",
        "generator.safetensors",
    ]
    loaded = GauGAN.from_pretrained(tmp_path / "ckpt")
    assert not loaded.training
    assert loaded.labels == tiny_labels
    with torch.no_grad():
        assert torch.equal(loaded(seg, z=z), expected)
        assert torch.equal(loaded.encode_style(style_image), style)
    assert style.shape == (1, 8)
    config = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    assert config["labels"]["names"] == list(tiny_labels.names)
    assert config["labels"]["dontcare"] is True and config["labels"]["instance"] is True
    assert config["generator"]["type"] == "spade_generator" and config["generator"]["ngf"] == 8


def test_weights_of_another_config_fail_naming_the_tensor(tmp_path, tiny_labels):
    small = _model(tiny_labels, ngf=8, with_encoder=False)
    small.save_pretrained(tmp_path / "small")
    big = _model(tiny_labels, ngf=16, with_encoder=False)
    with pytest.raises(CheckpointError) as err:
        load_weights(big.generator, tmp_path / "small" / "generator.safetensors")
    message = str(err.value)
    assert "generator.safetensors" in message and "'fc.weight'" in message and "(128, 7, 3, 3)" in message
    before = {k: v.clone() for k, v in big.generator.state_dict().items()}
    assert all(torch.equal(before[k], v) for k, v in big.generator.state_dict().items())

    # A config.json edited to another width than its weights: same error through from_pretrained.
    config_path = tmp_path / "small" / "config.json"
    config = json.loads(config_path.read_text())
    config["generator"]["ngf"] = 16
    config_path.write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"small/config.json is \d+ bytes, checksums.json says \d+: the file is damaged"):
        GauGAN.from_pretrained(tmp_path / "small")  # the edit is caught by the checksums first
    (tmp_path / "small" / "checksums.json").unlink()  # as in a checkpoint written before them
    with pytest.raises(CheckpointError, match="does not fit this SPADEGenerator"):
        GauGAN.from_pretrained(tmp_path / "small")


def test_bad_checkpoint_directories_give_clear_errors(tmp_path, tiny_labels):
    with pytest.raises(CheckpointError, match="checkpoint directory not found"):
        GauGAN.from_pretrained(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="has no config.json"):
        GauGAN.from_pretrained(tmp_path / "empty")
    model = _model(tiny_labels, with_encoder=False)
    model.save_pretrained(tmp_path / "ok")
    weights = tmp_path / "ok" / "generator.safetensors"
    good = weights.read_bytes()
    # Bytes flipped in the last tensor's data: the file still parses, and only the checksum sees it.
    weights.write_bytes(good[:-8] + bytes(b ^ 0x55 for b in good[-8:]))
    assert load_weights(_model(tiny_labels, with_encoder=False).generator, weights) is not None
    with pytest.raises(CheckpointError, match=r"ok/generator.safetensors: SHA-256 [0-9a-f]{16}\.\.\. differs from checksums.json"):
        GauGAN.from_pretrained(tmp_path / "ok")
    weights.write_bytes(b"\x00" * 20)
    with pytest.raises(CheckpointError, match=r"generator.safetensors is 20 bytes, checksums.json says \d+"):
        GauGAN.from_pretrained(tmp_path / "ok")
    (tmp_path / "ok" / "checksums.json").unlink()  # a checkpoint from before the checksums
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        GauGAN.from_pretrained(tmp_path / "ok")
    (tmp_path / "ok" / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        GauGAN.from_pretrained(tmp_path / "ok")


def test_label_set_must_match_generator_channels(tiny_labels):
    g = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8))
    with pytest.raises(CheckpointError, match="expects 3 semantic channels but the label set gives 7"):
        GauGAN(g, tiny_labels)


def test_configs_round_trip_and_reject_unknown_fields():
    config = SPADEGeneratorConfig(ngf=8, width=128, num_upsampling_layers="more", aspect_ratio=2.0)
    data = json.loads(json.dumps(config_to_dict(config)))
    assert config_from_dict(data) == config
    with pytest.raises(ValueError, match="unknown fields: ngff"):
        config_from_dict({**data, "ngff": 3})
    with pytest.raises(ValueError, match="unknown model type 'vqgan'"):
        config_from_dict({"type": "vqgan"})


def test_float16_storage_halves_the_files_and_loads_the_rounded_weights(tmp_path, tiny_labels):
    model = _model(tiny_labels).eval()
    full = model.save_pretrained(tmp_path / "fp32")
    half = model.save_pretrained(tmp_path / "fp16", dtype=torch.float16)
    for name in ("generator.safetensors", "encoder.safetensors"):
        ratio = (half / name).stat().st_size / (full / name).stat().st_size
        assert 0.45 < ratio < 0.6, (name, ratio)
    loaded = GauGAN.from_pretrained(half)
    original = model.state_dict()
    for key, value in loaded.state_dict().items():
        assert value.dtype == original[key].dtype, key  # loading casts back to the module's dtype
        expected = original[key].half().to(value.dtype) if value.is_floating_point() else original[key]
        assert torch.equal(value, expected), key
