"""ADE20K-outdoor: the images whose scene category (sceneCategories.txt) is an outdoor scene.

sceneCategories.txt ships with ADEChallengeData2016: one line per image, "ADE_train_00000001
airport_terminal". The SPADE and pix2pixHD papers evaluate on the outdoor subset but publish no
list of categories; we use a documented list of outdoor scene categories (package data
`labels/ade20k_outdoor_scenes.txt`), chosen by scene name (streets, landscapes, buildings seen
from outside, water, fields ...). Users can pass their own list.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from gaugan.data.errors import DatasetError


def outdoor_scene_names(path: Path | None = None) -> set[str]:
    text = path.read_text() if path else resources.files("gaugan.data").joinpath("labels", "ade20k_outdoor_scenes.txt").read_text()
    return {line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()}


def outdoor_image_stems(scene_file: Path, scenes: set[str] | None = None) -> set[str]:
    if not scene_file.is_file():
        raise DatasetError(f"ADE20K-outdoor needs the dataset's scene list: {scene_file} not found")
    scenes = scenes if scenes is not None else outdoor_scene_names()
    keep = set()
    for number, line in enumerate(scene_file.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise DatasetError(f"{scene_file}:{number}: expected 'IMAGE_NAME scene_category', got {line!r}")
        if parts[1] in scenes:
            keep.add(parts[0])
    return keep
