"""`GauGAN.truncation`: the standard deviation seeds draw style codes at, saved with the checkpoint."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from gaugan.cli import main
from gaugan.models import CheckpointError, ConvEncoder, ConvEncoderConfig, GauGAN, SPADEGenerator, SPADEGeneratorConfig
from gaugan.pipeline import Synthesizer
from model_helpers import random_semantics


def _model(labels, truncation=1.0, with_encoder=True):
    torch.manual_seed(0)
    generator = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=labels.semantic_channels, ngf=8, width=32,
                                                    spade_hidden=8, use_vae=with_encoder, z_dim=8, init_gain=1.0))
    encoder = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=32, init_gain=1.0)) if with_encoder else None
    return GauGAN(generator, labels, encoder, truncation).eval()


def test_prior_codes_are_the_generators_own_draw_scaled(tiny_labels):
    full, half = _model(tiny_labels), _model(tiny_labels, 0.5)
    codes = full.prior_codes(3, torch.Generator().manual_seed(4))
    assert codes.shape == (3, 8)
    assert torch.equal(half.prior_codes(3, torch.Generator().manual_seed(4)), codes * 0.5)
    # One draw at another truncation (the painter's variety) leaves the model's own alone.
    assert torch.equal(half.prior_codes(3, torch.Generator().manual_seed(4), truncation=1.0), codes)
    assert half.truncation == 0.5
    with pytest.raises(ValueError, match="truncation must be"):
        half.prior_codes(1, truncation=-1)
    semantics = random_semantics(tiny_labels, n=3)
    with torch.no_grad():
        # At truncation 1, a forward without z paints what the generator drew for itself before.
        own = full.generator(semantics, generator=torch.Generator().manual_seed(4))
        assert torch.equal(full(semantics, generator=torch.Generator().manual_seed(4)), own)
        assert torch.equal(half(semantics, generator=torch.Generator().manual_seed(4)), half(semantics, z=codes * 0.5))
    assert torch.equal(_model(tiny_labels, 0.0).prior_codes(2, torch.Generator().manual_seed(1)), torch.zeros(2, 8))


def test_truncation_is_saved_only_where_it_is_not_the_prior_and_checked_on_load(tmp_path, tiny_labels):
    _model(tiny_labels).save_pretrained(tmp_path / "prior")
    assert "truncation" not in json.loads((tmp_path / "prior" / "config.json").read_text())
    assert GauGAN.from_pretrained(tmp_path / "prior").truncation == 1.0
    _model(tiny_labels, 0.7).save_pretrained(tmp_path / "narrow")
    assert json.loads((tmp_path / "narrow" / "config.json").read_text())["truncation"] == 0.7
    assert GauGAN.from_pretrained(tmp_path / "narrow").truncation == 0.7
    for bad in (-0.5, "half", float("nan"), True):
        config = json.loads((tmp_path / "narrow" / "config.json").read_text())
        config["truncation"] = bad
        (tmp_path / "narrow" / "config.json").write_text(json.dumps(config))
        with pytest.raises(CheckpointError, match=r"config.json: truncation must be a finite number >= 0"):
            _load_unverified(tmp_path / "narrow")
    with pytest.raises(ValueError, match="truncation must be"):
        _model(tiny_labels).truncation = -1


def _load_unverified(directory):
    (directory / "checksums.json").unlink(missing_ok=True)  # the edit above is deliberate
    return GauGAN.from_pretrained(directory)


def _layout():
    ids = np.zeros((32, 32), np.uint8)
    ids[16:] = 1
    ids[24:, :16] = 2
    return ids


def test_seeds_paint_closer_together_at_a_smaller_truncation(tmp_path, tiny_labels):
    ids = _layout()
    spread = {}
    for truncation in (1.0, 0.3, 0.0):
        _model(tiny_labels, truncation).save_pretrained(tmp_path / str(truncation))
        synth = Synthesizer.from_pretrained(tmp_path / str(truncation), backend="torch")
        pictures = [np.asarray(p, np.float32) for p in synth([ids] * 3, seed=[0, 1, 2])]
        spread[truncation] = np.mean([np.abs(pictures[i] - pictures[j]).mean() for i, j in ((0, 1), (0, 2), (1, 2))])
    assert spread[1.0] > spread[0.3] > 0 and spread[0.0] == 0  # 0: every seed paints the mean code


def test_synthesize_truncation_flag_overrides_the_checkpoints(tmp_path, tiny_labels, capsys):
    _model(tiny_labels, 0.0).save_pretrained(tmp_path / "ckpt")
    Image.fromarray(_layout()).save(tmp_path / "layout.png")
    assert main(["synthesize", str(tmp_path / "ckpt"), str(tmp_path / "layout.png"), "--seeds", "0-1", "-o", str(tmp_path / "own")]) == 0
    own = [np.asarray(Image.open(tmp_path / "own" / f"layout_seed{s}.png")) for s in (0, 1)]
    assert np.array_equal(*own)  # the checkpoint's truncation 0: both seeds alike
    assert main(["synthesize", str(tmp_path / "ckpt"), str(tmp_path / "layout.png"), "--seeds", "0-1", "--truncation", "1",
                 "-o", str(tmp_path / "prior")]) == 0
    prior = [np.asarray(Image.open(tmp_path / "prior" / f"layout_seed{s}.png")) for s in (0, 1)]
    assert not np.array_equal(*prior)
    capsys.readouterr()
    assert main(["synthesize", str(tmp_path / "ckpt"), str(tmp_path / "layout.png"), "--truncation", "-1",
                 "-o", str(tmp_path / "bad")]) == 2
    assert "truncation must be a finite number >= 0" in capsys.readouterr().err and not (tmp_path / "bad").exists()
