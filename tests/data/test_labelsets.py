"""Built-in label sets (package data) and the id <-> colour maps an app uses."""

import csv
import json

import numpy as np
import pytest
import torch

from gaugan.data import (
    DatasetError,
    outdoor_scene_names,
    builtin_labelsets,
    colorize,
    ids_from_colors,
    ids_from_nearest_colors,
    load_labelset,
    load_palette_file,
)
from gaugan.labels import LabelSet, bit_interleaved_color


@pytest.mark.parametrize(
    "name, classes, dontcare, instance, channels, probe",
    [
        ("coco-stuff", 182, True, True, 184, (156, "sky-other")),
        ("ade20k", 150, True, False, 151, (2, "sky")),
        ("ade20k-outdoor", 150, True, False, 151, (21, "water")),
        ("cityscapes", 35, False, True, 36, (26, "car")),
        ("facades", 12, True, False, 13, (2, "window")),
        ("labelmefacade", 9, False, False, 9, (6, "sky")),
    ],
)
def test_builtin_label_sets(name, classes, dontcare, instance, channels, probe):
    labels = load_labelset(name)
    assert (labels.num_classes, labels.dontcare, labels.instance, labels.semantic_channels) == (classes, dontcare, instance, channels)
    assert labels.names[probe[0]] == probe[1] and labels.dataset == name
    assert LabelSet.from_dict(json.loads(json.dumps(labels.to_dict()))) == labels  # survives a config.json


def test_builtin_colours_are_the_paper_codes_palettes(shared_data):
    coco = load_labelset("coco-stuff")
    table = list(csv.DictReader((shared_data / "meta/coco_stuff_182.csv").read_text().splitlines()))
    spade = [(int(r["spade_n182_r"]), int(r["spade_n182_g"]), int(r["spade_n182_b"])) for r in table if r["label_value"] != "255"]
    assert list(coco.colors) == spade
    # Everything but SPADE's five special colours is the bit-interleaved pix2pixHD map.
    assert sum(c != bit_interleaved_color(i) for i, c in enumerate(coco.colors)) == 5
    ade = [(int(r["r"]), int(r["g"]), int(r["b"])) for r in csv.DictReader((shared_data / "meta/ade20k_150.csv").read_text().splitlines())][1:]
    assert list(load_labelset("ade20k").colors) == ade
    city = {int(r["id"]): (r["name"], (int(r["r"]), int(r["g"]), int(r["b"]))) for r in csv.DictReader((shared_data / "meta/cityscapes_labels.csv").read_text().splitlines())}
    labels = load_labelset("cityscapes")
    assert all((labels.names[i], labels.colors[i]) == city[i] for i in range(34))


@pytest.mark.parametrize("name", builtin_labelsets())
def test_colorize_and_back_is_the_identity(name):
    labels = load_labelset(name)
    ids = np.arange(len(labels.palette())).reshape(1, -1).repeat(3, 0)
    rgb = colorize(ids, labels)
    assert rgb.shape == (3, len(labels.palette()), 3) and rgb.dtype == np.uint8
    back = ids_from_colors(rgb, labels)
    # A colour shared by several ids (Cityscapes' black void ids, ADE20K's one duplicate) gives the lowest.
    first_id = {c: i for i, c in reversed(list(enumerate(labels.palette())))}
    assert back[0].tolist() == [first_id[tuple(c)] for c in labels.palette()]
    assert np.array_equal(colorize(torch.from_numpy(ids), labels), rgb)  # torch tensors work too


def test_cityscapes_car_colour_maps_to_car_not_its_duplicate():
    labels = load_labelset("cityscapes")
    assert ids_from_colors(np.array([[[0, 0, 142]]], np.uint8), labels)[0, 0] == labels.id_of("car")


def test_colorize_rejects_ids_without_colour():
    with pytest.raises(DatasetError, match=r"label id 9 has no colour in labelmefacade \(ids 0..8\)"):
        colorize(np.array([[9]]), load_labelset("labelmefacade"))


def test_nearest_colours_for_lossy_label_maps():
    labels = load_labelset("facades")
    rgb = np.array([[[0, 0, 160], [10, 80, 250], [3, 3, 3]]], np.uint8)  # near background, window, unlabeled
    assert ids_from_nearest_colors(rgb, labels).tolist() == [[0, 2, 12]]


def test_user_palette_files(tmp_path):
    (tmp_path / "mine.csv").write_text("id, name, r, g, b\n1,grass,0,200,0\n0,sky,100,150,250\n")
    labels = load_palette_file(tmp_path / "mine.csv", dontcare=True)
    assert labels.names == ("sky", "grass") and labels.dontcare and labels.dataset == "mine"
    config = {"labels": load_labelset("ade20k").to_dict(), "generator": {}}  # a checkpoint's config.json
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert load_palette_file(tmp_path / "config.json") == load_labelset("ade20k")
    with pytest.raises(DatasetError, match="palette file not found"):
        load_palette_file(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("name,colour\nsky,blue\n")
    with pytest.raises(DatasetError, match="needs the columns id,name,r,g,b"):
        load_palette_file(tmp_path / "bad.csv")


def test_outdoor_scene_list_names_real_categories_and_selects_what_it_says(shared_data):
    scenes = [line.split() for line in (shared_data / "meta/orig/ade20k_sceneCategories.txt").read_text().splitlines() if line]
    categories = {category for _, category in scenes}
    outdoor = outdoor_scene_names()
    assert outdoor <= categories  # no typos: every listed name occurs in ADEChallengeData2016
    assert {"street", "coast", "mountain_snowy", "highway", "skyscraper"} <= outdoor
    assert not {"bedroom", "kitchen", "bathroom", "misc", "living_room", "office"} & outdoor
    train = sum(1 for name, c in scenes if c in outdoor and "_train_" in name)
    val = sum(1 for name, c in scenes if c in outdoor and "_val_" in name)
    assert (train, val) == (8356, 810)  # the counts the list's header states
