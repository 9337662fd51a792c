"""The real COCO-Stuff, LabelMeFacade and ADE20K samples load with the right values, not just shapes."""

from importlib import resources

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from gaugan.data import DatasetError, build_dataset, colorize, semantic_input_of
from gaugan.data.image_io import image_size


def _nearest(path, size):
    return np.asarray(Image.open(path).resize(size, Image.NEAREST)).astype(np.int64)


def _edges(ids):
    """Independent boundary map: a pixel is an edge when a 4-neighbour has another id."""
    edge = np.zeros(ids.shape, bool)
    dx, dy = ids[:, 1:] != ids[:, :-1], ids[1:, :] != ids[:-1, :]
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    edge[1:, :] |= dy
    edge[:-1, :] |= dy
    return edge


def test_coco_stuff_sample_one_hot_dontcare_and_instance_edges(shared_data):
    root = shared_data / "coco_stuff_sample"
    checked = dontcare_samples = 0
    for split, count in (("train", 13), ("val", 8)):
        dataset = build_dataset("coco-stuff", root, split, preprocess="fixed", crop_size=128, flip=False)
        assert len(dataset) == count
        labels = dataset.labels
        assert (labels.num_classes, labels.dontcare_id, labels.semantic_channels) == (182, 182, 184)
        for index, sample in enumerate(dataset.samples):
            item = dataset[index]
            raw = _nearest(sample.label, (128, 128))
            assert torch.equal(item["label"], torch.from_numpy(np.where(raw == 255, 182, raw)))
            semantics = dataset.semantic_input(item)[0]
            assert semantics.shape == (184, 128, 128)
            assert torch.equal(semantics[:183].sum(0), torch.ones(128, 128))  # exactly one class per pixel
            assert torch.equal(semantics[:183].argmax(0), item["label"])
            # Pixels stored as 255 (unlabeled) are exactly the pixels of the don't-care channel 182.
            assert torch.equal(semantics[182].bool(), torch.from_numpy(raw == 255))
            dontcare_samples += bool((raw == 255).any())
            inst = _nearest(sample.instance, (128, 128))
            assert torch.equal(item["instance"], torch.from_numpy(inst))
            edges = semantics[183].numpy().astype(bool)
            assert np.array_equal(edges, _edges(inst))
            assert 0.005 < edges.mean() < 0.5  # real boundaries: neither empty nor everywhere
            checked += 1
    assert checked == 21 and dontcare_samples >= 5
    assert labels.names[156] == "sky-other" and labels.colors[156] == (95, 219, 255)  # SPADE's colour


def test_coco_stuff_batches_give_the_generator_input(shared_data):
    dataset = build_dataset("coco-stuff", shared_data / "coco_stuff_sample", "val", preprocess="fixed", crop_size=64)
    batch = next(iter(DataLoader(dataset, batch_size=4)))
    assert batch["label"].shape == (4, 64, 64) and batch["image"].shape == (4, 3, 64, 64) and len(batch["path"]) == 4
    assert batch["image"].min() >= -1 and batch["image"].max() <= 1 and batch["image"].dtype == torch.float32
    semantics = semantic_input_of(batch, dataset.labels)
    assert semantics.shape == (4, 184, 64, 64)
    one = {k: v[1] for k, v in batch.items() if torch.is_tensor(v)}
    assert torch.equal(dataset.semantic_input(one)[0], semantics[1])


def test_labelmefacade_pairs_splits_and_colours_of_the_real_files(shared_data):
    root = shared_data / "labelmefacade"
    # The generic folder dataset, given LabelMeFacade's palette table as a user would pass a palette file.
    table = resources.files("gaugan.data").joinpath("labels", "labelmefacade.csv")
    every = build_dataset("folder", root, "all", palette=table, preprocess="fixed", crop_size=64)
    train = build_dataset("folder", root, "train", palette=table)
    test = build_dataset("labelmefacade", root, "test")
    assert (len(every), len(train), len(test)) == (445, 100, 345)
    assert {s.image.stem for s in train.samples} | {s.image.stem for s in test.samples} == {s.image.stem for s in every.samples}
    assert all(s.image.stem == s.label.stem for s in every.samples)
    # Every pair agrees in size (file headers only: decoding 445 PNGs would take seconds).
    assert all(image_size(s.image) == image_size(s.label) for s in every.samples)

    labels = every.labels
    assert labels.num_classes == 9 and not labels.dontcare and labels.semantic_channels == 9
    rng = np.random.default_rng(0)
    seen = set()
    for index in rng.choice(len(every), 30, replace=False):
        sample = every.samples[index]
        rgb = np.asarray(Image.open(sample.label).convert("RGB"))
        ids = every.read_label(sample)
        assert ids.shape == rgb.shape[:2]
        assert np.array_equal(colorize(ids, labels), rgb)  # every pixel's id has exactly the file's colour
        y, x = rng.integers(0, rgb.shape[0]), rng.integers(0, rgb.shape[1])
        assert labels.colors[ids[y, x]] == tuple(int(c) for c in rgb[y, x])
        seen |= set(np.unique(ids).tolist())
    assert len(seen) >= 7
    sky = labels.id_of("sky")
    assert labels.colors[sky] == (0, 128, 128) and labels.colors[labels.id_of("window")] == (0, 0, 128)
    item = every[0]
    assert item["label"].shape == (64, 64) and "instance" not in item


def test_ade20k_sample_shifts_ids_and_maps_other_to_dontcare(shared_data):
    root = shared_data / "ade20k_sample"
    dataset = build_dataset("ade20k", root, "val", preprocess="fixed", crop_size=64, flip=False)
    assert len(dataset) == 3 and dataset.labels.semantic_channels == 151 and dataset.labels.names[2] == "sky"
    for index, sample in enumerate(dataset.samples):
        raw = np.asarray(Image.open(sample.label)).astype(np.int64)
        ids = dataset.read_label(sample)
        assert (raw == 0).any()
        assert (ids[raw == 0] == 150).all()
        assert np.array_equal(ids[raw > 0], raw[raw > 0] - 1)
        semantics = dataset.semantic_input(dataset[index])[0]
        assert torch.equal(semantics[150].bool(), torch.from_numpy(_nearest(sample.label, (64, 64)) == 0))
    with pytest.raises(DatasetError, match="no complete image/label pairs"):
        build_dataset("ade20k", root, "train")  # the flat sample holds only ADE_val_* files


def test_ade20k_outdoor_on_the_sample_with_the_real_scene_list(shared_data):
    scenes = shared_data / "meta" / "orig" / "ade20k_sceneCategories.txt"
    dataset = build_dataset("ade20k-outdoor", shared_data / "ade20k_sample", "val", scene_file=scenes)
    assert [s.image.stem for s in dataset.samples] == ["ADE_val_00000001", "ADE_val_00000002", "ADE_val_00000003"]
    assert dataset.labels.dataset == "ade20k-outdoor" and dataset.labels.semantic_channels == 151
