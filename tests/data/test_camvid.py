"""CamVid in the SegNet layout: the real frames load with the right values, and bad files are refused by name."""

import numpy as np
import pytest
from PIL import Image

from gaugan.cli import main
from gaugan.data import DatasetError, build_dataset, load_labelset
from gaugan.train.config import resolve_config

CAMVID_COLOURS = {  # from ../shared/data/camvid/SOURCE.md
    "sky": (128, 128, 128), "building": (128, 0, 0), "road": (128, 64, 128), "car": (64, 0, 128), "bicyclist": (0, 128, 192),
}


def test_label_table_has_11_classes_a_dontcare_channel_and_the_segnet_colours():
    labels = load_labelset("camvid")
    assert labels.num_classes == 11 and labels.dontcare and not labels.instance
    assert (labels.dontcare_id, labels.semantic_channels) == (11, 12)
    for name, colour in CAMVID_COLOURS.items():
        assert labels.colors[labels.names.index(name)] == colour
    assert labels.names.index("sky") == 0 and labels.names.index("bicyclist") == 10


def test_real_frames_split_sizes_and_values(shared_data):
    root = shared_data / "camvid"
    train = build_dataset("camvid", root, "train")
    val = build_dataset("camvid", root, "val")
    assert (len(train), len(val)) == (367, 101)
    assert not {s.image.stem for s in train.samples} & {s.image.stem for s in val.samples}
    # The preset's default: the whole 4:3 frame at 256x192, flipped only for training.
    assert (train.preprocess.mode, train.preprocess.flip, val.preprocess.flip) == ("fixed", True, False)
    sample = val.samples[0]
    item = val[0]
    assert item["image"].shape == (3, 192, 256) and item["label"].shape == (192, 256)
    raw = np.asarray(Image.open(sample.label).resize((256, 192), Image.NEAREST)).astype(np.int64)
    assert np.array_equal(item["label"].numpy(), raw)  # stored ids are the model's ids, 11 = don't care
    photo = np.asarray(Image.open(sample.image).convert("RGB").resize((256, 192), Image.BICUBIC)).astype(np.float32)
    assert np.abs((item["image"].permute(1, 2, 0).numpy() + 1) * 127.5 - photo).max() < 1.0
    one_hot = val.semantic_input(item)
    assert one_hot.shape == (1, 12, 192, 256) and float(one_hot.sum()) == 192 * 256
    assert (one_hot[0, 11] == 1).sum() == (raw == 11).sum() > 0
    # The sky is on top in a street frame: the top rows are mostly sky (id 0) or building (1).
    assert np.isin(raw[:20], (0, 1, 5, 11)).mean() > 0.8


def test_training_preset_reads_camvid_at_256x192(shared_data):
    config = resolve_config("camvid", overrides={"dataroot": str(shared_data / "camvid")})
    assert (config.dataset, config.preprocess, config.crop_size, round(config.crop_size / config.aspect_ratio)) == ("camvid", "fixed", 256, 192)


def test_data_check_on_the_real_frames_is_clean(shared_data, capsys):
    assert main(["data", "check", "--dataset", "camvid", str(shared_data / "camvid"), "--split", "val", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "pairs: 101 (101 without problems)" in out and "classes seen: 11 of 11" in out and "no problems found" in out


def _camvid(tmp_path, files, values=None, names=("a", "b")):
    root = tmp_path / "camvid"
    lines = []
    for name in names:
        files.photo(root / "train" / f"{name}.png", 24, 32)
        label = np.zeros((24, 32), np.uint8) if values is None else values
        files.png(root / "trainannot" / f"{name}.png", label)
        lines.append(f"train/{name}.png trainannot/{name}.png")
    (root / "train.txt").write_text("\n".join(lines) + "\n")
    return root


def test_label_id_outside_0_to_11_is_refused_naming_file_and_value(tmp_path, files):
    values = np.full((24, 32), 3, np.uint8)
    values[:2, :5] = 12
    root = _camvid(tmp_path, files, values)
    dataset = build_dataset("camvid", root, "train")
    with pytest.raises(DatasetError) as err:
        dataset[0]
    message = str(err.value)
    assert "trainannot/a.png" in message and "12 (10 px)" in message and "0..10, or 11 for don't care" in message


def test_missing_annotation_and_listed_but_missing_files_are_named(tmp_path, files, capsys):
    root = _camvid(tmp_path, files, names=("a", "b", "c"))
    (root / "trainannot" / "b.png").unlink()
    with pytest.raises(DatasetError) as err:
        build_dataset("camvid", root, "train")
    message = str(err.value)
    assert "names 1 annotation(s) not in" in message and "b" in message
    assert "1 image(s) without a label map: train/b.png" in message
    assert main(["data", "check", "--dataset", "camvid", str(root), "--no-progress"]) == 1
    assert "image(s) without a label map" in capsys.readouterr().out


def test_missing_split_folder_names_what_exists(tmp_path, files):
    root = _camvid(tmp_path, files)
    with pytest.raises(DatasetError, match=r"CamVid image folder not found: .*test \(found: train, trainannot\)"):
        build_dataset("camvid", root, "test")
