"""A second dataset's classes renamed into the first one's (data/relabel.py) and joined for training (train/data.py)."""

import numpy as np
import pytest
import torch
from PIL import Image

from gaugan.data import build_dataset, load_labelset
from gaugan.data.errors import DatasetError
from gaugan.data.relabel import RelabelledDataset, label_mapping, parse_mapping
from gaugan.train import TrainConfig
from gaugan.train.data import build_training_dataset

CAMVID = load_labelset("camvid")
LMF = load_labelset("labelmefacade")

# LabelMeFacade colour -> CamVid id, by hand from the two SOURCE.md tables (11 = CamVid's don't care).
BY_COLOUR = {
    (0, 0, 0): 11,  # various: poles, people, signs alike
    (128, 0, 0): 1,  # building
    (128, 0, 128): 8,  # car
    (128, 128, 0): 1,  # door -> building
    (128, 128, 128): 4,  # pavement
    (128, 64, 0): 3,  # road
    (0, 128, 128): 0,  # sky
    (0, 128, 0): 5,  # vegetation -> tree
    (0, 0, 128): 1,  # window -> building
}


def test_the_shipped_table_maps_every_labelmefacade_class():
    lookup = label_mapping(LMF, CAMVID)
    assert lookup.tolist() == [11, 1, 8, 1, 4, 3, 0, 5, 1]


def test_a_real_facade_label_map_becomes_camvid_ids_pixel_by_pixel(shared_data):
    root = shared_data / "labelmefacade"
    facades = build_dataset("labelmefacade", root, "train", preprocess="fixed", crop_size=683, aspect_ratio=683 / 512, flip=False)
    index = next(i for i, s in enumerate(facades.samples) if Image.open(s.image).size == (683, 512))
    item = RelabelledDataset(facades, CAMVID)[index]
    colours = np.asarray(Image.open(facades.samples[index].label).convert("RGB")).astype(np.int64)
    codes = (colours[..., 0] << 16) | (colours[..., 1] << 8) | colours[..., 2]
    expected = np.full(codes.shape, -1)
    for (r, g, b), camvid_id in BY_COLOUR.items():
        expected[codes == (r << 16 | g << 8 | b)] = camvid_id
    assert item["label"].dtype == torch.int64 and item["label"].shape == (512, 683)
    assert (expected >= 0).all()
    assert torch.equal(item["label"], torch.from_numpy(expected))
    assert len(set(np.unique(expected)) & {1, 11}) == 2  # the map has buildings and don't-care pixels to test
    assert item["image"].shape == (3, 512, 683)


@pytest.mark.parametrize("text, message", [
    ("source,target\nbuilding,building\n", r"no target for the labelmefacade classes various, car, door"),
    ("source,target\nvarious,\nbuilding,house\n", r"line 3: 'house' is not a camvid class"),
    ("source,target\nbuilding,building\nbuilding,sky\n", r"line 3: 'building' is mapped twice"),
    ("source,target\nroof,building\n", r"line 2: 'roof' is not a labelmefacade class"),
    ("from,to\nbuilding,building\n", r"needs the columns source,target"),
])
def test_a_bad_mapping_is_refused_by_line_and_name(text, message):
    with pytest.raises(DatasetError, match=message):
        parse_mapping(text, LMF, CAMVID, "m.csv")


def test_an_empty_target_needs_a_dont_care_id():
    with pytest.raises(DatasetError, match=r"line 2: 'various' has no target, and labelmefacade has no don't-care id"):
        parse_mapping("source,target\nvarious,\n", LMF, LMF, "m.csv")


def test_two_label_sets_without_a_table_cannot_train_together():
    with pytest.raises(DatasetError, match=r"no label mapping from 'cityscapes' to 'camvid' \(gaugan/data/labels/cityscapes-to-camvid.csv\)"):
        label_mapping(load_labelset("cityscapes"), CAMVID)


def _joined_config(shared_data, **changes):
    values = dict(
        dataset="camvid", dataroot=str(shared_data / "camvid"), preprocess="fixed", crop_size=64, aspect_ratio=4 / 3,
        extra_dataset="labelmefacade", extra_dataroot=str(shared_data / "labelmefacade"),
    )
    return TrainConfig(**{**values, **changes})


def test_the_training_set_joins_the_facades_of_the_training_aspect_ratio(shared_data, capsys):
    dataset = build_training_dataset(_joined_config(shared_data))
    camvid, facades = dataset.datasets
    assert len(camvid) == 367 and dataset.labels == CAMVID
    # Only 4:3 photos (683x512 here); the 512x512, portrait and 768x512 ones would be stretched by "fixed".
    sizes = [Image.open(facades.dataset.samples[i].image).size for i in range(len(facades.dataset))]
    kept = {facades.dataset.samples[i].image for i in facades.indices}
    assert all(sizes[i] == (683, 512) for i in facades.indices)
    assert all(abs(w / h / (4 / 3) - 1) > 0.02 for (w, h), s in zip(sizes, facades.dataset.samples) if s.image not in kept)
    assert len(dataset) == 367 + len(facades) == 367 + 311
    item = dataset[367]
    assert "labelmefacade" in item["path"] and item["image"].shape == (3, 48, 64)
    assert int(item["label"].max()) <= 11
    assert "+ 311 labelmefacade pairs relabelled to camvid (134 of another aspect ratio left out)" in capsys.readouterr().err


def test_max_samples_keeps_the_first_of_each_dataset(shared_data):
    dataset = build_training_dataset(_joined_config(shared_data, max_samples=3, extra_split="train"))
    assert [len(d) for d in dataset.datasets] == [3, 3]
    assert "camvid" in dataset[2]["path"] and "labelmefacade" in dataset[3]["path"]


def test_an_extra_dataset_needs_its_folder():
    with pytest.raises(ValueError, match="extra_dataset 'labelmefacade' needs extra_dataroot"):
        TrainConfig(dataset="camvid", dataroot="x", extra_dataset="labelmefacade")


def test_a_run_trains_on_both_datasets_in_one_label_set(shared_data, tmp_path, one_thread):
    from gaugan.train import Trainer

    config = _joined_config(
        shared_data, max_samples=2, extra_split="train", use_vae=True, generator="clade", ngf=8, ndf=8, z_dim=16,
        use_vgg=False, n_layers_d=3, num_d=1, batch_size=4, iterations=2, checkpoint_every=1000, flip=False, crop_size=128,
        output_dir=str(tmp_path / "run"), tensorboard=False, ema_decay=None,
    )
    trainer = Trainer(config, show_progress=False)
    batch = next(iter(trainer._loader(-1, 0)))
    assert sorted("labelmefacade" in p for p in batch["path"]) == [False, False, True, True]
    assert batch["label"].shape == (4, 96, 128) and int(batch["label"].max()) <= 11
    losses = trainer.fit()
    assert all(np.isfinite(v) for v in losses.values())
    assert trainer.generator.config.semantic_channels == 12  # CamVid's 11 classes + don't care, whatever the facades had


def test_an_extra_dataset_without_a_photo_of_the_training_shape_is_refused(shared_data):
    with pytest.raises(DatasetError, match=r"extra_dataset labelmefacade at .*labelmefacade: none of its 445 photos has "
                                           r"the training aspect ratio 2.000 \(within 2%\)"):
        build_training_dataset(_joined_config(shared_data, aspect_ratio=2.0))
