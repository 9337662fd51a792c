"""The embedded `camvid` judge: shipped small, found by default for CamVid's classes, and it
segments real CamVid frames it never trained on (the val split) about as its training run measured."""

import json
import shutil

import pytest

from gaugan.cli import main
from gaugan.eval.embedded_segmenters import EMBEDDED_SEGMENTERS, for_labels
from gaugan.eval.segmenters import load_segmenter
from gaugan.data.labelsets import load_labelset


def test_the_camvid_judge_ships_small_in_float16_for_camvids_classes():
    directory = EMBEDDED_SEGMENTERS["camvid"]
    size = sum(f.stat().st_size for f in directory.iterdir())
    assert size < 5 * 2**20
    meta = json.loads((directory / "segmenter.json").read_text())
    assert meta["input_size"] == [96, 128] and meta["meta"]["dataset"] == "camvid" and meta["meta"]["split"] == "train"
    names = load_labelset("camvid").names
    assert for_labels(names) == "camvid"
    _, classes = load_segmenter("camvid")
    assert classes == len(names) == 11


def test_the_judge_segments_held_out_camvid_frames(shared_data, tmp_path, one_thread, capsys):
    camvid = shared_data / "camvid"
    if not camvid.is_dir():
        pytest.skip(f"CamVid not found at {camvid}")
    for sub in ("images", "labels"):
        (tmp_path / sub).mkdir()
    stems = [line.split()[0].split("/")[-1][:-4] for line in (camvid / "val.txt").read_text().splitlines()[::17] if line]
    for stem in stems:
        shutil.copy(camvid / "val" / f"{stem}.png", tmp_path / "images" / f"{stem}.png")
        shutil.copy(camvid / "valannot" / f"{stem}.png", tmp_path / "labels" / f"{stem}.png")
    out = tmp_path / "scores.json"
    assert main(["evaluate", "--images", str(tmp_path / "images"), "--labels", str(tmp_path / "labels"),
                 "--real", str(tmp_path / "images"), "--classes", "camvid", "--no-fid", "--no-c2st", "-o", str(out)]) == 0
    assert "segmenter: camvid (embedded, this label set's default)" in capsys.readouterr().out
    scores = json.loads(out.read_text())
    assert scores["images"] == len(stems) == 6
    # Real frames scored as pictures: the reference itself; the judge's val accuracy was ~0.9.
    assert scores["accuracy"] == scores["accuracy_real"] > 0.85 and scores["miou"] > 0.4
