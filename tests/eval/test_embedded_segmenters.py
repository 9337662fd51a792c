"""Embedded segmenters (`gaugan.eval.embedded_segmenters`): a trained segmenter stored in the package
as float16 is found by name, chosen by default for its label set, and scores like the original."""

import json

import pytest
import torch
from safetensors import safe_open
from train_helpers import TOY_LABELS

from gaugan.cli import main
from gaugan.eval import embedded_segmenters
from gaugan.eval.segmenters import load_segmenter


@pytest.fixture
def toy_slot(toy_folder, tmp_path, monkeypatch, one_thread):
    """A segmenter trained on the toy folder, embedded in a temporary slot named "toy"; the folder too."""
    root = toy_folder
    trained = tmp_path / "trained"
    assert main(["train-segmenter", "--dataset", "folder", "--dataroot", str(root), "--split", "all", "--size", "32",
                 "--steps", "30", "--batch-size", "4", "--width", "8", "-o", str(trained)]) == 0
    slot = tmp_path / "package" / "toy-judge"
    monkeypatch.setitem(embedded_segmenters.EMBEDDED_SEGMENTERS, "toy", slot)
    return {"root": root, "trained": trained, "slot": slot}


def test_an_embedded_segmenter_is_float16_found_by_name_and_scores_like_the_original(toy_slot, capsys):
    assert embedded_segmenters.main(["toy", str(toy_slot["trained"])]) == 0
    with safe_open(str(toy_slot["slot"] / "segmenter.safetensors"), "pt") as stored:
        floats = [stored.get_tensor(k).dtype for k in stored.keys() if stored.get_tensor(k).is_floating_point()]
    assert floats and set(floats) == {torch.float16}
    original, _ = load_segmenter(toy_slot["trained"])
    embedded, classes = load_segmenter("toy")
    assert classes == TOY_LABELS.num_classes
    images = torch.rand(4, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        a, b = original(images), embedded(images)
    assert (a.argmax(1) != b.argmax(1)).float().mean() < 0.01  # float16 weights: the same predictions, nearly
    torch.testing.assert_close(a, b, atol=0.05, rtol=0.05)
    assert embedded_segmenters.for_labels(TOY_LABELS.names) == "toy"
    assert embedded_segmenters.for_labels(tuple(reversed(TOY_LABELS.names))) is None


def test_evaluate_picks_the_label_sets_embedded_segmenter_unless_told_otherwise(toy_slot, tmp_path, capsys):
    embedded_segmenters.embed("toy", toy_slot["trained"])
    root = toy_slot["root"]
    folders = ["evaluate", "--images", str(root / "images"), "--labels", str(root / "labels"), "--real", str(root / "images"),
               "--classes", str(root / "palette.csv"), "--no-fid", "--no-c2st", "--diversity-seeds", "0"]
    capsys.readouterr()
    assert main(folders + ["-o", str(tmp_path / "default.json")]) == 0
    assert "segmenter: toy (embedded, this label set's default)" in capsys.readouterr().out
    scored = json.loads((tmp_path / "default.json").read_text())
    # The pictures are the real photos: generated and real score alike, and the toy classes are easy.
    assert scored["segmenter"] == "toy" and scored["miou"] == scored["miou_real"] and scored["accuracy"] > 0.9
    assert scored["fsd"] == pytest.approx(0.0, abs=1e-3)

    assert main(folders + ["--no-segmenter", "-o", str(tmp_path / "none.json")]) == 0
    assert "mIoU/accuracy and FSD skipped: --no-segmenter" in capsys.readouterr().out
    skipped = json.loads((tmp_path / "none.json").read_text())
    assert skipped["segmenter"] is None and skipped["miou"] is None and skipped["fsd"] is None


def test_a_missing_embedded_segmenter_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(embedded_segmenters.EMBEDDED_SEGMENTERS, "gone", tmp_path / "not-shipped")
    with pytest.raises(FileNotFoundError, match="the embedded gone segmenter is missing from this install"):
        load_segmenter("gone")
    assert embedded_segmenters.for_labels(TOY_LABELS.names) is None  # not shipped: never a default
