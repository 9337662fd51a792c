"""Tiny fixtures in each layout, and every kind of bad input named clearly."""

import numpy as np
import pytest
from PIL import Image

from gaugan.cli import main
from gaugan.data import DatasetError, build_dataset


def _png(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path)


def _jpg(path, h=32, w=48, value=100):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((h, w, 3), value, np.uint8)).save(path)


def _palette(tmp_path):
    path = tmp_path / "palette.csv"
    path.write_text("id,name,r,g,b\n0,sky,0,128,128\n1,grass,0,128,0\n2,road,128,64,0\n")
    return path


def test_cityscapes_layout_pairs_frames_and_reads_35_ids_with_instances(tmp_path):
    labels = np.zeros((32, 64), np.uint8)
    labels[:, 32:] = 26  # car
    inst = np.zeros((32, 64), np.uint16)  # 16-bit PNG, as Cityscapes ships them
    inst[:, 32:48], inst[:, 48:] = 26000, 26001
    for city, frame in (("aachen", "000000_000019"), ("bonn", "000001_000042")):
        _jpg(tmp_path / f"leftImg8bit/val/{city}/{city}_{frame}_leftImg8bit.png", 32, 64)
        _png(tmp_path / f"gtFine/val/{city}/{city}_{frame}_gtFine_labelIds.png", labels)
        _png(tmp_path / f"gtFine/val/{city}/{city}_{frame}_gtFine_instanceIds.png", inst)
    dataset = build_dataset("cityscapes", tmp_path, "val", preprocess="none", flip=False)
    assert len(dataset) == 2 and dataset.labels.semantic_channels == 36
    item = dataset[1]
    assert item["label"].shape == (32, 64) and set(item["label"].unique().tolist()) == {0, 26}
    assert set(item["instance"].unique().tolist()) == {0, 26000, 26001}
    assert dataset.labels.names[26] == "car"


def test_cmp_facades_base_and_extended_folders(tmp_path):
    label = np.ones((32, 48), np.uint8)
    label[10:20, 10:20] = 3  # window
    for folder, name in (("base", "cmp_b0001"), ("extended", "cmp_x0001")):
        _jpg(tmp_path / folder / f"{name}.jpg")
        _png(tmp_path / folder / f"{name}.png", label)
    dataset = build_dataset("facades", tmp_path, "all", preprocess="none", flip=False)
    assert len(dataset) == 2 and dataset.labels.semantic_channels == 13
    assert dataset.labels.names[3] == "window"
    assert set(dataset[0]["label"].unique().tolist()) == {1, 3}
    _png(tmp_path / "base/cmp_b0002.png", np.full((32, 48), 13, np.uint8))
    _jpg(tmp_path / "base/cmp_b0002.jpg")
    with pytest.raises(DatasetError, match=r"cmp_b0002.png: label ids outside 0..12: 13"):
        build_dataset("facades", tmp_path, "all", preprocess="none")[1]


def test_folder_with_class_id_pngs_and_split_lists(tmp_path):
    root = tmp_path / "ds"
    for name in ("a", "b", "c"):
        _jpg(root / "images" / f"{name}.jpg")
        _png(root / "labels" / f"{name}.png", np.full((32, 48), 2, np.uint8))
    (root / "train.txt").write_text("images/a.jpg\nimages/c.jpg\n")
    palette = tmp_path / "labels.json"
    palette.write_text('{"names": ["sky", "grass", "road"], "colors": [[0,128,128],[0,128,0],[128,64,0]]}')
    dataset = build_dataset("folder", root, "train", palette=palette, preprocess="none")
    assert [s.image.stem for s in dataset.samples] == ["a", "c"]
    assert dataset[0]["label"].unique().tolist() == [2]


def test_colour_coded_folder_reports_unknown_colours_with_pixel_counts(tmp_path):
    root = tmp_path / "ds"
    _jpg(root / "images/x.jpg", 4, 4)
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[:] = (0, 128, 128)
    rgb[0, :3] = (1, 2, 3)
    _png(root / "labels/x.png", rgb)
    dataset = build_dataset("folder", root, "all", palette=_palette(tmp_path), preprocess="none", flip=False)
    with pytest.raises(DatasetError, match=r"x.png: colours not in the palette palette: \(1, 2, 3\) x 3 px"):
        dataset[0]


@pytest.mark.parametrize(
    "problem, message",
    [
        ("id", r"a.png: label ids outside 0..181 \(or 255 for don't care\): 200 \(4 px\)"),
        ("size", r"a.png: label map is 10x10 but its image a.jpg is 48x32"),
        ("corrupt", r"cannot read .*a.jpg"),
        ("orphan_image", r"1 image\(s\) without a label map: b"),
        ("orphan_label", r"1 label map\(s\) without an image: c"),
    ],
)
def test_bad_coco_stuff_inputs_name_the_file_and_value(tmp_path, problem, message):
    root = tmp_path / "coco"
    _jpg(root / "train_img/a.jpg")
    label = np.zeros((32, 48), np.uint8)
    if problem == "id":
        label[0, :4] = 200
    _png(root / "train_label/a.png", label if problem != "size" else np.zeros((10, 10), np.uint8))
    _png(root / "train_inst/a.png", np.zeros((32, 48) if problem != "size" else (10, 10), np.uint8))
    if problem == "corrupt":
        (root / "train_img/a.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    if problem == "orphan_image":
        _jpg(root / "train_img/b.jpg")
    if problem == "orphan_label":
        _png(root / "train_label/c.png", label)
        _png(root / "train_inst/c.png", label)
    with pytest.raises(DatasetError, match=message):
        dataset = build_dataset("coco-stuff", root, "train", preprocess="none")
        dataset[0]


def test_empty_or_missing_folders(tmp_path):
    (tmp_path / "coco/train_img").mkdir(parents=True)
    (tmp_path / "coco/train_label").mkdir()
    (tmp_path / "coco/train_inst").mkdir()
    with pytest.raises(DatasetError, match="no images found"):
        build_dataset("coco-stuff", tmp_path / "coco", "train")
    with pytest.raises(DatasetError, match="COCO-Stuff image folder not found: .*val_img"):
        build_dataset("coco-stuff", tmp_path / "coco", "val")
    with pytest.raises(DatasetError, match="dataset folder not found"):
        build_dataset("coco-stuff", tmp_path / "nowhere", "train")


def test_data_check_reports_every_problem_and_fails(tmp_path, capsys):
    root = tmp_path / "coco"
    for name, label_value, size in (("a", 0, (32, 48)), ("b", 190, (32, 48)), ("c", 1, (16, 16))):
        _jpg(root / f"train_img/{name}.jpg")
        _png(root / f"train_label/{name}.png", np.full(size, label_value, np.uint8))
        _png(root / f"train_inst/{name}.png", np.zeros(size, np.uint8))
    code = main(["data", "check", str(root), "--dataset", "coco-stuff"])
    out = capsys.readouterr().out
    assert code == 1
    assert "3 samples" not in out and "1 samples, 2 problem(s)" in out
    assert "b.png: label ids outside" in out and "190 (1536 px)" in out
    assert "c.png: label map is 16x16" in out
    assert "person" in out  # the histogram names classes
