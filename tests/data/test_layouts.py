"""Tiny fixtures written in each dataset's real directory layout; values checked after loading."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from gaugan.data import DatasetError, Preprocess, build_dataset, load_labelset

CMP_PALETTE = [(0, 0, 0)] + list(load_labelset("facades").colors)  # file index 0 = unlabeled, 1..12 classes


def test_cityscapes_pairs_frames_and_reads_35_ids_with_16_bit_instances(tmp_path, files):
    label = np.zeros((32, 64), np.uint8)
    label[:, 32:] = 26  # car
    label[:4, :4] = 34  # the paper's 35th id
    inst = label.astype(np.uint16)
    inst[:, 32:48], inst[:, 48:] = 26000, 26001  # two cars side by side, as Cityscapes encodes instances
    for city, frame in (("aachen", "000000_000019"), ("bonn", "000001_000042")):
        files.photo(tmp_path / f"leftImg8bit/val/{city}/{city}_{frame}_leftImg8bit.png", 32, 64)
        files.png(tmp_path / f"gtFine/val/{city}/{city}_{frame}_gtFine_labelIds.png", label)
        files.png(tmp_path / f"gtFine/val/{city}/{city}_{frame}_gtFine_instanceIds.png", inst)
        files.png(tmp_path / f"gtFine/val/{city}/{city}_{frame}_gtFine_color.png", np.zeros((32, 64, 3), np.uint8))
    dataset = build_dataset("cityscapes", tmp_path, "val", preprocess="none")
    assert len(dataset) == 2 and [s.image.parent.name for s in dataset.samples] == ["aachen", "bonn"]
    assert dataset.samples[1].label.name == "bonn_000001_000042_gtFine_labelIds.png"
    labels = dataset.labels
    assert (labels.num_classes, labels.dontcare, labels.semantic_channels) == (35, False, 36)
    assert labels.names[26] == "car" and labels.colors[26] == (0, 0, 142)
    item = dataset[1]
    assert torch.equal(item["label"], torch.from_numpy(label.astype(np.int64)))
    assert torch.equal(item["instance"], torch.from_numpy(inst.astype(np.int64)))
    edges = dataset.semantic_input(item)[0, 35]
    assert edges[10, 47] == 1 and edges[10, 48] == 1 and edges[10, 40] == 0  # between the two cars only
    assert edges[10, 31] == 1 and edges[20, 10] == 0
    # The official defaults: fixed 512 x 256, no flip outside training.
    assert build_dataset("cityscapes", tmp_path, "val").preprocess == Preprocess("fixed", 512, 512, 2.0, flip=False)


def test_ade20k_official_layout_under_its_zip_folder(tmp_path, files):
    base = tmp_path / "ADEChallengeData2016"
    raw = np.array([[0, 1, 150], [2, 3, 4]], np.uint8).repeat(16, 0).repeat(16, 1)
    for split, folder, n in (("train", "training", 3), ("val", "validation", 2)):
        for i in range(1, n + 1):
            files.photo(base / f"images/{folder}/ADE_{split}_{i:08d}.jpg", 32, 48)
            files.png(base / f"annotations/{folder}/ADE_{split}_{i:08d}.png", raw)
    train = build_dataset("ade20k", tmp_path, "train")  # the folder holding ADEChallengeData2016 works too
    val = build_dataset("ade20k", base, "validation", preprocess="none")
    assert (len(train), len(val)) == (3, 2)
    assert train.preprocess == Preprocess("resize_and_crop", 286, 256, flip=True)
    assert val.preprocess.load_size == 256 and not val.preprocess.flip  # the official test-time default
    expected = np.array([[150, 0, 149], [1, 2, 3]]).repeat(16, 0).repeat(16, 1)
    assert np.array_equal(val.read_label(val.samples[0]), expected)
    assert val[0]["label"].shape == (32, 64)  # mode none: 48 -> 64
    with pytest.raises(DatasetError, match="split must be one of"):
        build_dataset("ade20k", base, "test")


def test_ade20k_outdoor_keeps_outdoor_scene_categories(tmp_path, files):
    scenes = {1: "street", 2: "bedroom", 3: "coast", 4: "kitchen", 5: "mountain_snowy"}
    for i in scenes:
        files.photo(tmp_path / f"images/training/ADE_train_{i:08d}.jpg", 8, 8)
        files.png(tmp_path / f"annotations/training/ADE_train_{i:08d}.png", np.full((8, 8), i, np.uint8))
    (tmp_path / "sceneCategories.txt").write_text("".join(f"ADE_train_{i:08d} {s}\n" for i, s in scenes.items()))
    outdoor = build_dataset("ade20k-outdoor", tmp_path, "train")
    assert [s.image.stem[-1] for s in outdoor.samples] == ["1", "3", "5"]
    assert len(build_dataset("ade20k", tmp_path, "train")) == 5
    mine = tmp_path / "my_scenes.txt"
    mine.write_text("# only bedrooms\nbedroom\n")
    assert [s.image.stem[-1] for s in build_dataset("ade20k-outdoor", tmp_path, "train", outdoor_scenes=mine).samples] == ["2"]
    (tmp_path / "sceneCategories.txt").write_text("ADE_train_00000001 street\n")
    with pytest.raises(DatasetError, match=r"4 image\(s\) have no scene category"):
        build_dataset("ade20k-outdoor", tmp_path, "train")
    (tmp_path / "sceneCategories.txt").unlink()
    with pytest.raises(DatasetError, match="needs the dataset's scene list: .*sceneCategories.txt not found"):
        build_dataset("ade20k-outdoor", tmp_path, "train")


def test_cmp_facades_base_and_extended_palette_pngs(tmp_path, files):
    index = np.ones((32, 48), np.uint8)  # 1 = background
    index[8:16, 8:16] = 3  # window
    index[20:, :] = 12  # shop
    index[0, 0] = 0  # unlabeled
    for folder, name in (("base", "cmp_b0001"), ("base", "cmp_b0002"), ("extended", "cmp_x0001")):
        files.photo(tmp_path / folder / f"{name}.jpg")
        files.palette_png(tmp_path / folder / f"{name}.png", index, CMP_PALETTE)
        (tmp_path / folder / f"{name}.xml").write_text("<annotation/>")
    every = build_dataset("facades", tmp_path, "all", preprocess="none")
    assert every.layout == "cmp" and len(every) == 3
    assert (every.labels.num_classes, every.labels.semantic_channels) == (12, 13)
    assert [every.labels.names[i] for i in (0, 2, 11)] == ["background", "window", "shop"]
    expected = np.where(index == 0, 12, index.astype(np.int64) - 1)
    assert np.array_equal(every.read_label(every.samples[0]), expected)
    assert len(build_dataset("facades", tmp_path, "base")) == 2
    assert len(build_dataset("facades", tmp_path, "extended")) == 1
    (tmp_path / "mine.txt").write_text("cmp_b0002.jpg\ncmp_x0001\n")
    assert [s.image.stem for s in build_dataset("facades", tmp_path, "mine").samples] == ["cmp_b0002", "cmp_x0001"]
    with pytest.raises(DatasetError, match="split list not found: .*val.txt"):
        build_dataset("facades", tmp_path, "val")
    files.palette_png(tmp_path / "base/cmp_b0002.png", np.full((32, 48), 13, np.uint8), CMP_PALETTE)
    with pytest.raises(DatasetError, match=r"cmp_b0002.png: label values not in facades \(valid: 1..12, or 0 for don't care\): 13 \(1536 px\)"):
        every[1]


def test_pix2pix_facades_side_by_side_jpgs(tmp_path, files):
    ids = np.zeros((64, 64), np.int64)  # background
    ids[:, 8:56] = 1  # facade
    ids[10:26, 12:28] = 2  # window
    ids[40:, 30:50] = 11  # shop
    colours = np.array(load_labelset("facades").colors, np.uint8)
    photo = np.full((64, 64, 3), 200, np.uint8)
    photo[..., 2] = 7
    pair = np.concatenate([photo, colours[ids]], axis=1)  # A (photo) | B (labels), as pix2pix stores them
    for split, n in (("train", 2), ("test", 1)):
        for i in range(1, n + 1):
            (tmp_path / split).mkdir(exist_ok=True)
            Image.fromarray(pair).save(tmp_path / split / f"{i}.jpg", quality=85)  # lossy, like the real files
    dataset = build_dataset("facades", tmp_path, "train", preprocess="none", flip=False)
    assert dataset.layout == "pix2pix" and len(dataset) == 2 and len(build_dataset("facades", tmp_path, "test")) == 1
    item = dataset[0]
    assert item["image"].shape == (3, 64, 64)
    assert abs(float(item["image"][0].mean()) - (200 / 127.5 - 1)) < 0.05  # the left half is the photo
    assert (item["label"].numpy() == ids).mean() > 0.97  # JPEG blurs a few border pixels only
    assert set(np.unique(item["label"].numpy())) <= {0, 1, 2, 11, 12}
    with pytest.raises(DatasetError, match=r"pix2pix facades split folder not found: .*val \(found: test, train;"):
        build_dataset("facades", tmp_path, "val")
    grey = np.full((64, 64, 3), 128, np.uint8)  # a photo where the labels should be
    Image.fromarray(np.concatenate([photo, grey], axis=1)).save(tmp_path / "train" / "2.jpg")
    with pytest.raises(DatasetError, match=r"2.jpg \(right half\): 4096 pixels \(100.0%\) are farther than 80"):
        dataset[1]


def test_folder_with_class_id_pngs_split_lists_instances_and_dontcare(tmp_path, files):
    root = tmp_path / "ds"
    for name, value in (("a", 0), ("b", 1), ("c", 2)):
        files.photo(root / "images" / f"{name}.jpg", 32, 64)
        label = np.full((32, 64), value, np.uint8)
        label[0, :5] = 255
        files.png(root / "labels" / f"{name}.png", label)
        inst = np.zeros((32, 64), np.uint8)
        inst[:, 32:] = 1
        files.png(root / "instances" / f"{name}.png", inst)
    (root / "train.txt").write_text("images/a.jpg\nimages/c.jpg\n")
    (root / "val.txt").write_text("b\n")
    palette = tmp_path / "labels.json"
    palette.write_text(json.dumps({"names": ["sky", "grass", "road"], "colors": [[0, 128, 128], [0, 128, 0], [128, 64, 0]]}))
    train = build_dataset("folder", root, "train", palette=palette, preprocess="none", flip=False, dontcare_value=255)
    assert [s.image.stem for s in train.samples] == ["a", "c"]
    assert [s.image.stem for s in build_dataset("folder", root, "val", palette=palette, dontcare_value=255).samples] == ["b"]
    labels = train.labels
    assert (labels.num_classes, labels.dontcare, labels.instance, labels.semantic_channels) == (3, True, True, 5)
    item = train[1]
    assert item["label"][0, :5].tolist() == [3] * 5 and int(item["label"][5, 5]) == 2
    assert item["instance"].unique().tolist() == [0, 1]
    with pytest.raises(DatasetError, match="split list not found: .*test.txt \\(split lists here: train, val"):
        build_dataset("folder", root, "test", palette=palette)
    with pytest.raises(DatasetError, match=r"label values not in labels \(valid: 0..2\): 255 \(5 px\)"):
        build_dataset("folder", root, "all", palette=palette)[0]  # without dontcare_value, 255 is an error


def test_folder_colour_coded_with_palette_found_in_the_root(tmp_path, files):
    root = tmp_path / "ds"
    (root).mkdir()
    (root / "palette.csv").write_text("id,name,r,g,b\n0,sky,0,128,128\n1,grass,0,128,0\n2,road,128,64,0\n")
    rgb = np.zeros((32, 32, 4), np.uint8)
    rgb[..., 3] = 255
    rgb[:16, :, :3] = (0, 128, 128)
    rgb[16:, :, :3] = (128, 64, 0)
    files.photo(root / "images/x.png", 32, 32)
    files.png(root / "labels/x.png", rgb)
    dataset = build_dataset("folder", root, "train", preprocess="none")  # no split lists: train = everything
    assert dataset.labels.names == ("sky", "grass", "road") and not dataset.labels.instance
    assert torch.equal(dataset[0]["label"], torch.tensor([[0] * 32] * 16 + [[2] * 32] * 16))
    (root / "palette.csv").unlink()
    with pytest.raises(DatasetError, match="needs its label set"):
        build_dataset("folder", root, "train")


def test_coco_stuff_portrait_folders_and_no_instances(tmp_path, files):
    for folder, name in (("train", "1"), ("train", "2"), ("train_{}_portrait", "3")):
        for kind, writer in (("img", lambda p: files.photo(p.with_suffix(".jpg"))), ("label", None), ("inst", None)):
            path = tmp_path / (folder.format(kind) if "{}" in folder else f"{folder}_{kind}") / f"{name}.png"
            if writer:
                writer(path)
            else:
                files.png(path, np.full((32, 48), 7, np.uint8))
    train = build_dataset("coco-stuff", tmp_path, "train", preprocess="none")
    assert [s.image.stem for s in train.samples] == ["1", "2", "3"]
    bare = build_dataset("coco-stuff", tmp_path, "train", preprocess="none", instances=False, portraits=False)
    assert len(bare) == 2 and bare.labels.semantic_channels == 183 and "instance" not in bare[0]


def test_folder_label_set_with_dontcare_reads_gaugans_own_dontcare_id(tmp_path, files):
    (tmp_path / "labels.json").write_text(json.dumps({"names": ["sky", "sea"], "colors": [[0, 0, 255], [0, 0, 128]], "dontcare": True}))
    files.photo(tmp_path / "images/x.jpg", 32, 32)
    files.png(tmp_path / "labels/x.png", np.array([[0, 1], [2, 2]], np.uint8).repeat(16, 0).repeat(16, 1))
    dataset = build_dataset("folder", tmp_path, "all", preprocess="none")  # labels.json found in the root
    assert dataset.labels.semantic_channels == 3
    assert dataset.read_label(dataset.samples[0])[20, 0] == 2  # value 2 = num_classes = don't care
