"""Rendered landscapes: deterministic, COCO-Stuff classes, reflections, winter trees, the make command."""

import json

import numpy as np
from PIL import Image

from gaugan.cli import main
from gaugan.landscapes import LANDSCAPE_CLASSES, render_scene
from gaugan.landscapes import classes as C
from gaugan.landscapes.layout import make_layout
from gaugan.landscapes.render import render


def test_scenes_are_deterministic_per_seed_and_use_landscape_classes():
    a_img, a_lab, a_info = render_scene(64, seed=3, index=7)
    b_img, b_lab, b_info = render_scene(64, seed=3, index=7)
    assert np.array_equal(a_img, b_img) and np.array_equal(a_lab, b_lab) and a_info == b_info
    c_img, _, _ = render_scene(64, seed=4, index=7)
    assert not np.array_equal(a_img, c_img)
    seen = set()
    for i in range(30):
        _, labels, _ = render_scene(64, 0, i)
        seen |= set(np.unique(labels).tolist())
    assert seen <= set(LANDSCAPE_CLASSES)
    assert {C.SKY, C.MOUNTAIN, C.SNOW, C.TREE, C.GRASS} <= seen and seen & set(C.WATER)


def _water_scenes(count=12):
    found = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        layout = make_layout(96, rng)
        water = np.isin(layout.labels, C.WATER)
        if water.sum() > 300:
            image, _ = render(layout, rng)
            yield layout, image.astype(np.float32).mean(-1), water
            found += 1
            if found == count:
                return


def test_water_mirrors_what_stands_above_its_far_shore():
    mirrored, unrelated = [], []
    rng = np.random.default_rng(0)
    for layout, grey, water in _water_scenes():
        ys, xs = np.nonzero(water)
        source = np.clip(2 * layout.water_top[xs] - ys - 1, 0, grey.shape[0] - 1)
        water_values = grey[ys, xs]
        mirrored.append(np.corrcoef(water_values, grey[source, xs])[0, 1])
        shifted = np.clip(source + rng.integers(-30, 30), 0, grey.shape[0] - 1)
        unrelated.append(np.corrcoef(water_values, grey[shifted, rng.permutation(xs)])[0, 1])
    assert np.mean(mirrored) > 0.5
    assert np.mean(mirrored) > np.mean(unrelated) + 0.3


def test_snow_on_the_ground_frosts_the_trees():
    tree_brightness = {True: [], False: []}
    for seed in range(300):
        rng = np.random.default_rng(seed)
        layout = make_layout(96, rng)
        trees = layout.labels == C.TREE
        if trees.sum() < 30:
            continue
        image, _ = render(layout, rng)
        tree_brightness[layout.winter].append(image[trees].mean())
    winter, summer = np.array(tree_brightness[True]), np.array(tree_brightness[False])
    assert len(winter) >= 5 and len(summer) >= 5
    assert winter.mean() - summer.mean() > 2 * (winter.std() + summer.std()) / 2


def test_make_writes_the_folder_layout(tmp_path, capsys):
    out = tmp_path / "land"
    assert main(["landscapes", "make", "-n", "10", "--size", "64", "-o", str(out), "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["scenes"] == 10 and summary["train"] == 9 and summary["test"] == 1
    assert len(list((out / "images").glob("*.jpg"))) == 10 and len(list((out / "labels").glob("*.png"))) == 10
    labels = json.loads((out / "labels.json").read_text())
    assert labels["names"][C.SKY] == "sky-other" and labels["names"][C.SEA] == "sea" and len(labels["names"]) == 182
    label = np.array(Image.open(out / "labels/00003.png"))
    assert label.shape == (64, 64) and set(np.unique(label)) <= set(LANDSCAPE_CLASSES)
    assert (out / "test.txt").read_text() == "images/00009.jpg\n"
    assert main(["landscapes", "make", "-n", "3", "--size", "16", "-o", str(out)]) == 2
