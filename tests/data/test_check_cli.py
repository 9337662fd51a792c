"""`gaugan data check` reports counts, classes, sizes and every planted problem, through its argparse entry."""

import argparse
import re

import numpy as np
import pytest

from gaugan.data import build_dataset, check_dataset
from gaugan.data.cli import register


def _run(argv, capsys):
    parser = argparse.ArgumentParser(prog="gaugan")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", "check", *argv])
    code = args.func(args)
    return code, capsys.readouterr().out


@pytest.fixture
def broken_coco(tmp_path, files):
    root = tmp_path / "coco"

    def pair(name, label, size=(32, 48), inst=True):
        files.photo(root / f"train_img/{name}.jpg", *size)
        files.png(root / f"train_label/{name}.png", label)
        if inst:
            files.png(root / f"train_inst/{name}.png", np.zeros(label.shape, np.uint8))

    pair("a", np.full((32, 48), 0, np.uint8))  # clean: person
    pair("b", np.full((32, 48), 190, np.uint8))  # value 190 is no COCO-Stuff class
    pair("c", np.full((16, 16), 156, np.uint8))  # label map 16x16, image 48x32
    pair("d", np.full((32, 48), 156, np.uint8))
    (root / "train_img/d.jpg").write_bytes(b"not a jpeg")  # corrupt image
    pair("e", np.full((32, 48), 255, np.uint8))
    data = (root / "train_inst/e.png").read_bytes()
    (root / "train_inst/e.png").write_bytes(data[: len(data) // 2])  # truncated instance map
    pair("f", np.full((16, 16), 156, np.uint8), size=(16, 16))  # consistent, but smaller than the crop
    files.photo(root / "train_img/g.jpg")  # image without label map
    files.png(root / "train_label/h.png", np.zeros((32, 48), np.uint8))  # label map without image
    files.png(root / "train_inst/h.png", np.zeros((32, 48), np.uint8))
    return root


def test_check_reports_every_planted_problem(broken_coco, capsys):
    code, out = _run([str(broken_coco), "--dataset", "coco-stuff", "--preprocess", "crop", "--crop-size", "24", "--no-progress"], capsys)
    assert code == 1
    problems = out.split("problems (")[1]
    assert problems.startswith("9):")
    expected = [
        r"1 image\(s\) without a label map: train_img/g.jpg",
        r"1 label map\(s\) without an image: train_label/h.png",
        r"1 instance map\(s\) without an image: train_inst/h.png",
        r"size mismatch: .*train_inst/c.png: 16x16 but its image c.jpg is 48x32",
        r"b.png: label values not in coco-stuff .*: 190 \(1536 px\)",
        r"size mismatch: .*c.png: 16x16 but its image c.jpg is 48x32",
        r"cannot read .*train_img/d.jpg",
        r"cannot read .*train_inst/e.png",
        r"f.jpg: 16x16 becomes 16x16 with crop, smaller than crop_size 24",
    ]
    for pattern in expected:
        assert re.search(pattern, problems), pattern
    assert "pairs: 6 (1 without problems)" in out  # a, b, c, d, e, f pair up; only a is clean
    assert "image sizes: width 16..48, height 16..32" in out
    # Histogram with names: a (person) and c's readable label (sky-other), and e's don't-care pixels.
    assert re.search(r"\n\s+0  person\s", out) and re.search(r"\n\s+156  sky-other\s", out) and "(don't care)" in out
    assert "classes seen: 2 of 182" in out


def test_check_on_the_real_sample_is_clean(shared_data, capsys):
    code, out = _run([str(shared_data / "coco_stuff_sample"), "--dataset", "coco-stuff", "--split", "val"], capsys)
    assert code == 0, out
    assert "pairs: 8 (8 without problems)" in out and "no problems found" in out
    assert re.search(r"\n\s+156  sky-other\s+\d+\.\d+%\s+\d+", out)
    report = check_dataset(build_dataset("coco-stuff", shared_data / "coco_stuff_sample", "val", strict=False), progress=False)
    assert report.ok and report.class_images[182] > 0 and report.class_pixels.sum() == sum(w * h for w, h in report.sizes)


def test_check_of_a_missing_split_or_empty_folder_fails(tmp_path, capsys):
    (tmp_path / "train_img").mkdir()
    code, out = _run([str(tmp_path), "--dataset", "coco-stuff", "--split", "val"], capsys)
    assert code == 1 and "val_img folder not found" in out
    (tmp_path / "train_label").mkdir()
    (tmp_path / "train_inst").mkdir()
    code, out = _run([str(tmp_path), "--dataset", "coco-stuff"], capsys)
    assert code == 1 and "no complete image/label pairs found" in out


def test_check_folder_dataset_with_palette_and_dontcare_value(tmp_path, files, capsys):
    (tmp_path / "p.csv").write_text("id,name,r,g,b\n0,sky,0,0,255\n1,sea,0,0,128\n")
    files.photo(tmp_path / "ds/images/x.jpg", 32, 32)
    files.png(tmp_path / "ds/labels/x.png", np.array([[0, 1], [255, 255]], np.uint8).repeat(16, 0).repeat(16, 1))
    argv = [str(tmp_path / "ds"), "--dataset", "folder", "--split", "all", "--palette", str(tmp_path / "p.csv")]
    code, out = _run(argv, capsys)
    assert code == 1 and "255 (512 px)" in out
    code, out = _run([*argv, "--dontcare-value", "255"], capsys)
    assert code == 0 and re.search(r"\n\s+2  \(don't care\)\s+50\.000%", out), out
