"""`gaugan evaluate` with the realism scores that need no downloaded weights (C2ST, FSD) and
`gaugan train-segmenter` at a non-square size, on a tiny folder dataset and checkpoint."""

import json

import pytest
import torch
from train_helpers import TOY_LABELS, ToyPairs

from gaugan.cli import main
from gaugan.models import GauGAN, SPADEGenerator, SPADEGeneratorConfig


@pytest.fixture
def toy_checkpoint(tmp_path):
    torch.manual_seed(0)
    generator = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8))
    path = tmp_path / "checkpoint"
    GauGAN(generator, TOY_LABELS).save_pretrained(path)
    return path


def _train_segmenter(root, output, size):
    return main(["train-segmenter", "--dataset", "folder", "--dataroot", str(root), "--split", "all", "--size", size,
                 "--steps", "20", "--batch-size", "4", "--width", "8", "-o", str(output)])


def test_train_segmenter_accepts_width_x_height_and_rejects_other_sizes(toy_folder, tmp_path, one_thread):
    assert _train_segmenter(toy_folder, tmp_path / "seg", "32x24") == 0
    config = json.loads((tmp_path / "seg" / "segmenter.json").read_text())
    assert config["meta"]["size"] == "32x24"
    assert config["input_size"] == [24, 32]  # (H, W): pictures of other sizes are resized to it
    assert _train_segmenter(toy_folder, tmp_path / "square", "32") == 0
    assert json.loads((tmp_path / "square" / "segmenter.json").read_text())["meta"]["size"] == "32x32"
    for bad in ("30", "32x20", "32x24x8", "wide"):
        with pytest.raises(SystemExit):
            _train_segmenter(toy_folder, tmp_path / "bad", bad)


def test_evaluate_writes_the_c2st_and_fsd_into_the_table_and_json(toy_folder, toy_checkpoint, tmp_path, capsys, one_thread):
    assert _train_segmenter(toy_folder, tmp_path / "seg", "32") == 0
    capsys.readouterr()
    out = tmp_path / "result.json"
    args = ["evaluate", str(toy_checkpoint), "--dataset", "folder", "--dataroot", str(toy_folder), "--split", "all",
            "--segmenter", str(tmp_path / "seg"), "--no-fid", "--batch-size", "4", "--c2st-steps", "20", "-o", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "C2ST" in printed and "FSD" in printed
    result = json.loads(out.read_text())
    assert result["images"] == 8 and result["c2st_pairs"] == 8
    # An untrained generator's output is flat grey: told apart from the real pictures.
    assert result["c2st_accuracy"] > 0.75 and result["c2st_paired_accuracy"] > 0.75
    assert 0 <= result["c2st_stderr"] < 0.5
    protocol = result["c2st_protocol"]
    assert protocol["settings"]["steps"] == 20 and protocol["settings"]["folds"] == 2
    assert protocol["resolution"] == [32, 32] and protocol["tested"] == 16
    assert result["fsd"] > 0
    assert result["c2st_log_loss_bits_stderr"] is None  # one split: no spread across splits

    assert main(args + ["--c2st-repeats", "2", "--no-fsd"]) == 0
    assert "mean of 2 splits" in capsys.readouterr().out
    repeated = json.loads(out.read_text())
    protocol = repeated["c2st_protocol"]
    assert protocol["settings"]["repeats"] == 2 and protocol["tested"] == 32 and len(protocol["repeat_log_loss_bits"]) == 2
    assert repeated["c2st_log_loss_bits"] == pytest.approx(sum(protocol["repeat_log_loss_bits"]) / 2)
    assert protocol["repeat_log_loss_bits"][0] == pytest.approx(result["c2st_log_loss_bits"])  # the first split is seed 0's
    assert repeated["c2st_log_loss_bits_stderr"] >= 0

    assert main(args + ["--no-c2st", "--no-fsd"]) == 0
    result = json.loads(out.read_text())
    assert result["c2st_accuracy"] is None and result["fsd"] is None and result["miou"] is not None


def test_evaluate_says_why_it_skips_the_c2st_and_the_fsd(tmp_path, one_thread):
    from gaugan.eval.evaluate import evaluate
    from gaugan.eval.segmenter import SegmenterConfig, SmallSegmenter
    from gaugan.eval.segmenters import load_segmenter
    from gaugan.eval.two_sample import C2STSettings

    torch.manual_seed(0)
    model = GauGAN(SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8)), TOY_LABELS)
    torch.jit.script(SmallSegmenter(SegmenterConfig(num_classes=3, width=8, depth=2)).eval()).save(str(tmp_path / "seg.pt"))
    scripted, _ = load_segmenter(tmp_path / "seg.pt")  # logits only: no features for the FSD
    result = evaluate(model, ToyPairs(n=3, size=32), scripted, progress=False, c2st=C2STSettings(steps=5))
    assert result.c2st_accuracy is None and result.fsd is None and result.miou is not None
    assert any("C2ST skipped" in n for n in result.notes) and any("FSD skipped" in n for n in result.notes)


def test_evaluate_refuses_a_negative_truncation_by_name(toy_folder, toy_checkpoint, tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["evaluate", str(toy_checkpoint), "--dataset", "folder", "--dataroot", str(toy_folder), "--split", "all",
                 "--truncation", "-0.5", "-o", str(out)]) == 2
    assert "gaugan evaluate: truncation must be a finite number >= 0 (1 = the prior), got -0.5" in capsys.readouterr().err
    assert not out.exists()
