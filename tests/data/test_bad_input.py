"""Every kind of bad input fails with a `DatasetError` that names the file and the offending value."""

import pickle

import numpy as np
import pytest

from gaugan.data import DatasetError, build_dataset, ids_from_colors, load_labelset, load_palette_file


@pytest.fixture
def coco(tmp_path, files):
    """A valid two-pair COCO-Stuff train split; tests then break one thing."""
    root = tmp_path / "coco"
    for name in ("a", "b"):
        files.photo(root / f"train_img/{name}.jpg", 32, 48)
        files.png(root / f"train_label/{name}.png", np.zeros((32, 48), np.uint8))
        files.png(root / f"train_inst/{name}.png", np.zeros((32, 48), np.uint8))
    assert len(build_dataset("coco-stuff", root, "train")) == 2
    return root


def _load_all(root, name="coco-stuff", split="train", **options):
    dataset = build_dataset(name, root, split, preprocess="none", **options)
    return [dataset[i] for i in range(len(dataset))]


def test_label_id_beyond_the_classes(coco, files):
    label = np.zeros((32, 48), np.uint8)
    label[0, :4] = 200
    label[1, :3] = 182
    label[2, :2] = 255  # unlabeled: fine
    files.png(coco / "train_label/b.png", label)
    with pytest.raises(DatasetError, match=r"b.png: label values not in coco-stuff \(valid: 0..181, or 255 for don't care\): 182 \(3 px\), 200 \(4 px\)"):
        _load_all(coco)


def test_label_id_beyond_the_classes_in_other_layouts(tmp_path, files):
    files.photo(tmp_path / "images/ADE_val_00000001.jpg", 32, 32)
    files.png(tmp_path / "annotations/ADE_val_00000001.png", np.full((32, 32), 151, np.uint8))
    with pytest.raises(DatasetError, match=r"ADE_val_00000001.png: label values not in ade20k \(valid: 1..150, or 0 for don't care\): 151 \(1024 px\)"):
        _load_all(tmp_path, "ade20k", "val")
    city = tmp_path / "city"
    files.photo(city / "leftImg8bit/train/ulm/ulm_000000_000001_leftImg8bit.png", 32, 32)
    files.png(city / "gtFine/train/ulm/ulm_000000_000001_gtFine_labelIds.png", np.full((32, 32), 35, np.uint8))
    files.png(city / "gtFine/train/ulm/ulm_000000_000001_gtFine_instanceIds.png", np.zeros((32, 32), np.uint16))
    with pytest.raises(DatasetError, match=r"labelIds.png: label values not in cityscapes \(valid: 0..34\): 35 \(1024 px\)"):
        _load_all(city, "cityscapes")


def test_image_and_label_sizes_differ(coco, files):
    files.png(coco / "train_label/a.png", np.zeros((10, 12), np.uint8))
    with pytest.raises(DatasetError, match=r"size mismatch: .*train_label/a.png: 12x10 but its image a.jpg is 48x32"):
        _load_all(coco)


def test_instance_map_size_differs(coco, files):
    files.png(coco / "train_inst/b.png", np.zeros((32, 40), np.uint8))
    with pytest.raises(DatasetError, match=r"size mismatch: .*train_inst/b.png: 40x32 but its image b.jpg is 48x32"):
        _load_all(coco)


def test_image_without_label(coco, files):
    files.photo(coco / "train_img/c.jpg")
    with pytest.raises(DatasetError, match=r"1 image\(s\) without a label map: train_img/c.jpg"):
        build_dataset("coco-stuff", coco, "train")


def test_label_without_image(coco, files):
    files.png(coco / "train_label/d.png", np.zeros((32, 48), np.uint8))
    files.png(coco / "train_inst/d.png", np.zeros((32, 48), np.uint8))
    with pytest.raises(DatasetError, match=r"1 label map\(s\) without an image: train_label/d.png"):
        build_dataset("coco-stuff", coco, "train")


def test_image_without_instance_map(coco):
    (coco / "train_inst/a.png").unlink()
    with pytest.raises(DatasetError, match=r"1 image\(s\) without an instance map: train_img/a.jpg"):
        build_dataset("coco-stuff", coco, "train")
    assert len(build_dataset("coco-stuff", coco, "train", instances=False)) == 2  # not needed without instances


def test_all_pairing_problems_are_raised_together(coco, files):
    files.photo(coco / "train_img/c.jpg")
    files.png(coco / "train_label/d.png", np.zeros((32, 48), np.uint8))
    with pytest.raises(DatasetError, match=r"(?s)2 problems:.*without a label map: train_img/c.jpg.*without an image: train_label/d.png"):
        build_dataset("coco-stuff", coco, "train")


@pytest.mark.parametrize("damage", ["garbage", "truncated_png", "truncated_jpg", "empty"])
def test_unreadable_or_corrupt_files(coco, damage):
    target = coco / ("train_img/a.jpg" if damage in ("garbage", "truncated_jpg", "empty") else "train_label/a.png")
    data = target.read_bytes()
    target.write_bytes({"garbage": b"\xff\xd8\xff\xe0 not really a jpeg", "empty": b""}.get(damage, data[: len(data) // 2]))
    with pytest.raises(DatasetError, match=rf"cannot read .*{target.parent.name}/{target.name}"):
        _load_all(coco)


def test_colour_not_in_the_palette_reports_colours_and_pixel_counts(tmp_path, files):
    root = tmp_path / "facade"
    files.photo(root / "images/x.jpg", 8, 8)
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[:] = (0, 128, 128)  # sky
    rgb[0, :3] = (1, 2, 3)
    rgb[1, :] = (250, 250, 250)
    files.png(root / "labels/x.png", rgb)
    (root / "train.txt").write_text("images/x.jpg\n")
    with pytest.raises(DatasetError, match=r"x.png: 11 pixels have colours not in the labelmefacade palette: \(250, 250, 250\) x 8 px, \(1, 2, 3\) x 3 px"):
        _load_all(root, "labelmefacade")
    with pytest.raises(DatasetError, match=r"label map: 1 pixels have colours not in the labelmefacade palette: \(9, 9, 9\) x 1 px"):
        ids_from_colors(np.array([[[9, 9, 9], [0, 0, 0]]], np.uint8), load_labelset("labelmefacade"))


def test_empty_dataset_folder(tmp_path):
    for kind in ("img", "label", "inst"):
        (tmp_path / f"coco/train_{kind}").mkdir(parents=True)
    with pytest.raises(DatasetError, match="coco: no complete image/label pairs found"):
        build_dataset("coco-stuff", tmp_path / "coco", "train")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="image folder not found: .*empty/images"):
        build_dataset("folder", tmp_path / "empty", "all", palette=_palette(tmp_path))
    with pytest.raises(DatasetError, match="dataset folder not found: .*nowhere"):
        build_dataset("coco-stuff", tmp_path / "nowhere", "train")


def test_missing_split_folder(coco, tmp_path):
    with pytest.raises(DatasetError, match=r"COCO-Stuff val_img folder not found: .*coco/val_img \(found: train_img\)"):
        build_dataset("coco-stuff", coco, "val")
    (tmp_path / "city/leftImg8bit/train").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"Cityscapes leftImg8bit folder not found: .*leftImg8bit/val \(found: train\)"):
        build_dataset("cityscapes", tmp_path / "city", "val")
    (tmp_path / "ade/images/training").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"ADE20K image folder not found: .*images/validation \(found: training\)"):
        build_dataset("ade20k", tmp_path / "ade", "val")


def test_palette_files_are_parsed_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name in ("palette.pkl", "palette.json"):
        (tmp_path / name).write_bytes(pickle.dumps(Evil()))
        with pytest.raises(DatasetError):
            load_palette_file(tmp_path / name)
    assert not marker.exists()
    (tmp_path / "gaps.csv").write_text("id,name,r,g,b\n0,a,0,0,0\n2,b,1,1,1\n")
    with pytest.raises(DatasetError, match=r"gaps.csv: class ids must be 0..1 without gaps or repeats, got \[0, 2\]"):
        load_palette_file(tmp_path / "gaps.csv")


def _palette(tmp_path):
    path = tmp_path / "palette.csv"
    path.write_text("id,name,r,g,b\n0,sky,0,128,128\n1,grass,0,128,0\n")
    return path
