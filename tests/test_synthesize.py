"""Synthesizer API and `gaugan synthesize`: label maps (ids or colours) to pictures, bad input named."""

import numpy as np
import pytest
import torch
from PIL import Image

from gaugan.cli import main
from gaugan.labels import LabelSet
from gaugan.models import ConvEncoder, ConvEncoderConfig, GauGAN, SPADEGenerator, SPADEGeneratorConfig
from gaugan.pipeline import LabelMapError, Synthesizer

LABELS = LabelSet(names=("sky", "sea", "grass"), colors=((120, 170, 255), (20, 60, 160), (90, 190, 60)), dataset="toy")


def _checkpoint(tmp_path, with_encoder):
    torch.manual_seed(0)
    g = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8, use_vae=with_encoder, z_dim=8, init_gain=1.0))
    e = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=32, init_gain=1.0)) if with_encoder else None
    path = tmp_path / ("vae" if with_encoder else "plain")
    GauGAN(g, LABELS, e).save_pretrained(path)
    return path


def _layout():
    ids = np.zeros((32, 32), np.uint8)
    ids[16:] = 1
    ids[24:, :16] = 2
    return ids


def test_class_id_and_colour_maps_give_the_same_picture(tmp_path):
    synth = Synthesizer.from_pretrained(_checkpoint(tmp_path, False))
    ids = _layout()
    colours = Image.fromarray(np.array(LABELS.colors, np.uint8)[ids])
    a, b = synth(Image.fromarray(ids)), synth(colours)
    assert a.size == (32, 32) and a.mode == "RGB"
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert np.asarray(a).std() > 1  # not blank
    # A region painted with another class changes the picture there.
    changed = ids.copy()
    changed[:8, :8] = 2
    diff = np.abs(np.asarray(synth(changed), np.int16) - np.asarray(a, np.int16)).sum(-1)
    assert diff[:8, :8].mean() > 3 * max(diff[16:, 16:].mean(), 0.1)


def test_seeds_vary_and_repeat_and_style_needs_an_encoder(tmp_path):
    vae = Synthesizer.from_pretrained(_checkpoint(tmp_path, True))
    ids = _layout()
    s0, s0_again, s1 = vae([ids, ids, ids], seed=[0, 0, 1])
    assert np.array_equal(np.asarray(s0), np.asarray(s0_again))
    assert not np.array_equal(np.asarray(s0), np.asarray(s1))
    styled = vae(ids, style_image=Image.fromarray(np.full((40, 40, 3), 200, np.uint8)))
    assert styled.size == (32, 32)
    plain = Synthesizer.from_pretrained(_checkpoint(tmp_path, False))
    with pytest.raises(ValueError, match="no style encoder"):
        plain(ids, style_image=Image.new("RGB", (8, 8)))


def test_bad_label_maps_name_the_problem(tmp_path):
    synth = Synthesizer.from_pretrained(_checkpoint(tmp_path, False))
    with pytest.raises(LabelMapError, match="class id 7 is outside 0..2"):
        synth(np.full((32, 32), 7))
    wrong = np.zeros((32, 32, 3), np.uint8)
    wrong[:] = (1, 2, 3)
    with pytest.raises(LabelMapError, match=r"colours not in the toy palette: \(1, 2, 3\) x 1024 px"):
        synth(Image.fromarray(wrong))


def test_cli_writes_pictures_and_contact_sheet_and_keeps_going(tmp_path, capsys):
    ckpt = _checkpoint(tmp_path, True)
    inputs = tmp_path / "maps"
    inputs.mkdir()
    Image.fromarray(_layout()).save(inputs / "a.png")
    Image.fromarray(np.full((32, 32), 9, np.uint8)).save(inputs / "bad_ids.png")
    (inputs / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "out"
    assert main(["synthesize", str(ckpt), str(inputs), "-o", str(out), "--seeds", "0-2"]) == 1  # stops at bad_ids
    assert "bad_ids.png: class id 9" in capsys.readouterr().err
    code = main(["synthesize", str(ckpt), str(inputs), "-o", str(out), "--seeds", "0-2", "--keep-going"])
    err = capsys.readouterr().err
    assert code == 1 and "broken.png: not a readable image" in err and "2 input(s) failed" in err
    written = sorted(p.name for p in out.iterdir())
    assert written == ["a_label.png", "a_seed0.png", "a_seed1.png", "a_seed2.png", "index.html"]
    assert "a_seed2.png" in (out / "index.html").read_text()


def test_cli_refuses_style_for_a_model_without_encoder(tmp_path, capsys):
    ckpt = _checkpoint(tmp_path, False)
    Image.fromarray(_layout()).save(tmp_path / "a.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "style.jpg")
    out = tmp_path / "out"
    assert main(["synthesize", str(ckpt), str(tmp_path / "a.png"), "-o", str(out), "--style", str(tmp_path / "style.jpg")]) == 2
    assert "no style encoder" in capsys.readouterr().err
    assert not out.exists()


def test_cli_takes_label_maps_after_options_and_still_refuses_unknown_ones(tmp_path, capsys):
    ckpt = _checkpoint(tmp_path, False)
    for name in ("a", "b"):
        Image.fromarray(_layout()).save(tmp_path / f"{name}.png")
    out = tmp_path / "out"
    # Label maps before and after options, as users write them (argparse alone drops the later ones).
    assert main(["synthesize", str(ckpt), str(tmp_path / "a.png"), "-o", str(out), str(tmp_path / "b.png")]) == 0
    assert {"a_seed0.png", "b_seed0.png"} <= {p.name for p in out.iterdir()}
    with pytest.raises(SystemExit):
        main(["synthesize", str(ckpt), str(tmp_path / "a.png"), "-o", str(tmp_path / "other"), "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()
