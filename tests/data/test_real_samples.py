"""The real COCO-Stuff, LabelMeFacade and ADE20K samples load with the right values."""

import numpy as np
import torch
from PIL import Image

from gaugan.data import build_dataset, load_labelset
from gaugan.semantics import semantic_input


def test_coco_stuff_sample_one_hot_dontcare_and_instance_edges(shared_data):
    root = shared_data / "coco_stuff_sample"
    for split, count in (("train", 13), ("val", 8)):
        dataset = build_dataset("coco-stuff", root, split, preprocess="fixed", crop_size=128, flip=False)
        assert len(dataset) == count
    labels = dataset.labels
    assert labels.num_classes == 182 and labels.semantic_channels == 184 and labels.names[156] == "sky-other"
    seen_dontcare = False
    for index in range(len(dataset)):
        item = dataset[index]
        semantics = semantic_input(item["label"][None], labels, item["instance"][None])[0]
        assert semantics.shape == (184, 128, 128)
        assert torch.equal(semantics[:183].sum(0), torch.ones(128, 128))  # exactly one class per pixel
        # Don't-care pixels of the file (255) are exactly the pixels of channel 182.
        raw = np.array(Image.open(dataset.samples[index].label).resize((128, 128), Image.NEAREST))
        assert torch.equal(semantics[182].bool(), torch.from_numpy(raw == 255))
        assert torch.equal(item["label"], torch.from_numpy(np.where(raw == 255, 182, raw).astype(np.int64)))
        seen_dontcare |= bool((raw == 255).any())
        edges = semantics[183]
        assert 0.005 < edges.mean() < 0.5  # real boundaries, not empty, not everywhere
    assert seen_dontcare


def test_labelmefacade_ids_match_the_colours_on_the_real_files(shared_data):
    root = shared_data / "labelmefacade"
    train = build_dataset("labelmefacade", root, "train", preprocess="fixed", crop_size=64)
    test = build_dataset("labelmefacade", root, "test", preprocess="fixed", crop_size=64)
    assert (len(train), len(test)) == (100, 345)
    palette = {c: i for i, c in enumerate(load_labelset("labelmefacade").colors)}
    rng = np.random.default_rng(0)
    for index in rng.choice(len(test), 12, replace=False):
        sample = test.samples[index]
        rgb = np.array(Image.open(sample.label).convert("RGB"))
        ids = test.decode_label(sample.label)
        assert ids.shape == rgb.shape[:2]
        for y, x in zip(rng.integers(0, rgb.shape[0], 50), rng.integers(0, rgb.shape[1], 50)):
            assert ids[y, x] == palette[tuple(int(v) for v in rgb[y, x])]
    assert load_labelset("labelmefacade").names[palette[(0, 128, 128)]] == "sky"


def test_ade20k_sample_shifts_ids_and_maps_other_to_dontcare(shared_data):
    dataset = build_dataset("ade20k", shared_data / "ade20k_sample", "val", preprocess="fixed", crop_size=64, flip=False)
    assert len(dataset) == 3 and dataset.labels.semantic_channels == 151
    raw = np.array(Image.open(dataset.samples[0].label))
    ids = dataset.decode_label(dataset.samples[0].label)
    assert np.array_equal(ids[raw == 0], np.full((raw == 0).sum(), 150))
    assert np.array_equal(ids[raw > 0], raw[raw > 0].astype(np.int64) - 1)
