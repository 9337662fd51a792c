"""The paper's evaluation protocol end to end through the CLI, on the real COCO-Stuff sample:
train a segmenter on real photos, train a tiny generator, evaluate its checkpoint (mIoU, accuracy,
FID); plus a user segmenter given as ONNX."""

import json
import math

import pytest
import torch

from gaugan.cli import main
from gaugan.eval.segmenter import SegmenterConfig, SmallSegmenter
from gaugan.eval.segmenters import load_segmenter


def test_train_segmenter_train_generator_then_evaluate_through_the_cli(shared_data, random_weight_file, tmp_path, capsys):
    root = str(shared_data / "coco_stuff_sample")
    segmenter = tmp_path / "segmenter"
    assert main([
        "train-segmenter", "--dataset", "coco-stuff", "--dataroot", root, "--split", "train", "--size", "32",
        "--steps", "40", "--batch-size", "4", "--width", "8", "-o", str(segmenter),
    ]) == 0
    assert (segmenter / "segmenter.safetensors").is_file()

    run = tmp_path / "run"
    assert main([
        "train", "--dataset", "coco-stuff", "--dataroot", root, "--output-dir", str(run), "--crop-size", "32",
        "--load-size", "32", "--ngf", "8", "--ndf", "8", "--no-vgg", "--iterations", "2", "--batch-size", "2",
        "--set", "preprocess=fixed", "--set", "tensorboard=false", "--set", "spade_hidden=8", "--set", "num_d=1",
    ]) == 0
    checkpoint = run / "final"
    assert (checkpoint / "config.json").is_file()
    capsys.readouterr()

    result_file = tmp_path / "result.json"
    assert main([
        "evaluate", str(checkpoint), "--dataset", "coco-stuff", "--dataroot", root, "--split", "val",
        "--segmenter", str(segmenter), "--inception-weights", str(random_weight_file), "--batch-size", "4",
        "--stats-cache", str(tmp_path / "stats"), "--c2st-steps", "20", "-o", str(result_file),
    ]) == 0
    printed = capsys.readouterr().out
    for column in ("mIoU", "accu", "FID"):
        assert column in printed
    result = json.loads(result_file.read_text())
    assert result["images"] == 8  # the sample's val split
    for key in ("miou", "accuracy", "miou_real", "accuracy_real"):
        assert 0.0 <= result[key] <= 1.0, key
    # The segmenter saw real photos; a 2-step generator's output is nearly flat grey.
    assert result["accuracy_real"] > result["accuracy"]
    # IoU per class by name; their mean over the classes present is the mIoU.
    present = [v for v in result["class_iou_real"].values() if v is not None]
    assert len(result["class_iou_real"]) == 182 and math.isclose(sum(present) / len(present), result["miou_real"], rel_tol=1e-9)
    assert "IoU per class (generated / real)" in printed
    assert math.isfinite(result["fid"]) and result["fid"] > 0
    # The realism scores that need no downloaded weights run too: C2ST by default, FSD with our segmenter.
    assert result["c2st_pairs"] == 8 and 0.0 <= result["c2st_accuracy"] <= 1.0
    assert math.isfinite(result["fsd"]) and result["fsd"] > 0
    assert len(list((tmp_path / "stats").glob("*.npz"))) == 1  # real statistics cached for the next run


def test_an_onnx_segmenter_gives_the_same_logits_as_torch(tmp_path):
    pytest.importorskip("onnxruntime")
    torch.manual_seed(0)
    model = SmallSegmenter(SegmenterConfig(num_classes=5, width=8, depth=2)).eval()
    path = tmp_path / "seg.onnx"
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    torch.onnx.export(model, (images,), str(path), input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "n"}}, dynamo=False)
    segmenter, classes = load_segmenter(path)
    assert classes is None  # ONNX files carry no gaugan metadata; evaluate reads it off the logits
    torch.testing.assert_close(segmenter(images), model(images), atol=1e-4, rtol=1e-4)
    # "zero_one" segmenters see the images mapped from [-1, 1] to [0, 1].
    zero_one, _ = load_segmenter(path, input_range="zero_one")
    torch.testing.assert_close(zero_one(images), model((images + 1) / 2), atol=1e-4, rtol=1e-4)
