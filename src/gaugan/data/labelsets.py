"""Built-in label sets (class names and colours) shipped as package data, and id <-> colour maps."""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from gaugan.data.errors import DatasetError
from gaugan.labels import LabelSet

# name -> (csv file in gaugan/data/labels, don't-care channel, instance channel)
BUILTIN = {
    "coco-stuff": ("coco-stuff.csv", True, True),
    "ade20k": ("ade20k.csv", True, False),
    "ade20k-outdoor": ("ade20k.csv", True, False),
    "cityscapes": ("cityscapes.csv", False, True),
    "labelmefacade": ("labelmefacade.csv", False, False),
    "facades": ("facades.csv", False, False),
}


def _parse_table(text: str, source: str) -> tuple[list[str], list[tuple[int, int, int]]]:
    reader = csv.DictReader(io.StringIO(text))
    required = {"id", "name", "r", "g", "b"}
    if reader.fieldnames is None or not required <= set(reader.fieldnames):
        raise DatasetError(f"{source}: a palette table needs the columns id,name,r,g,b (got {reader.fieldnames})")
    rows = sorted(reader, key=lambda r: int(r["id"]))
    ids = [int(r["id"]) for r in rows]
    if ids != list(range(len(rows))):
        raise DatasetError(f"{source}: class ids must be 0..{len(rows) - 1} without gaps, got {ids[:10]}...")
    return [r["name"] for r in rows], [(int(r["r"]), int(r["g"]), int(r["b"])) for r in rows]


@lru_cache(maxsize=None)
def load_labelset(name: str) -> LabelSet:
    """The `LabelSet` of a built-in dataset ("coco-stuff", "ade20k", "cityscapes", "labelmefacade")."""
    if name not in BUILTIN:
        raise KeyError(f"no built-in label set {name!r}; known: {', '.join(BUILTIN)}")
    file, dontcare, instance = BUILTIN[name]
    text = resources.files("gaugan.data").joinpath("labels", file).read_text()
    names, colors = _parse_table(text, file)
    return LabelSet(names=tuple(names), colors=tuple(colors), dontcare=dontcare, instance=instance, dataset=name)


def load_palette_file(path: str | Path, *, dontcare: bool = False, instance: bool = False) -> LabelSet:
    """A user's palette: CSV with id,name,r,g,b columns, or a LabelSet JSON (as in config.json)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"palette file not found: {path}")
    text = path.read_text()
    if path.suffix == ".json":
        try:
            return LabelSet.from_dict(json.loads(text))
        except (json.JSONDecodeError, ValueError) as err:
            raise DatasetError(f"{path}: not a label set JSON: {err}") from None
    names, colors = _parse_table(text, str(path))
    return LabelSet(names=tuple(names), colors=tuple(colors), dontcare=dontcare, instance=instance, dataset=path.stem)


def colorize(label_ids: np.ndarray, labels: LabelSet) -> np.ndarray:
    """(H, W) internal ids -> (H, W, 3) uint8 colours (don't-care drawn in its own colour)."""
    palette = np.array(labels.palette(), dtype=np.uint8)
    if label_ids.size and (label_ids.min() < 0 or label_ids.max() >= len(palette)):
        raise DatasetError(f"label id {int(label_ids.max())} has no colour in {labels.dataset or 'this label set'}")
    return palette[label_ids]


def ids_from_colors(rgb: np.ndarray, labels: LabelSet, source: str = "label map") -> np.ndarray:
    """(H, W, 3) uint8 colour-coded label map -> (H, W) int64 ids.

    Raises DatasetError naming every colour that is not in the palette with its pixel count.
    """
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise DatasetError(f"{source}: a colour-coded label map must be RGB, got shape {rgb.shape}")
    codes = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2].astype(np.int64)
    palette = labels.palette()
    lookup = {(r << 16) | (g << 8) | b: i for i, (r, g, b) in enumerate(palette)}
    uniques, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    unknown = [(int(c), int(n)) for c, n in zip(uniques, counts) if int(c) not in lookup]
    if unknown:
        shown = ", ".join(f"({c >> 16}, {(c >> 8) & 255}, {c & 255}) x {n} px" for c, n in unknown[:5])
        more = f" and {len(unknown) - 5} more colours" if len(unknown) > 5 else ""
        raise DatasetError(f"{source}: colours not in the {labels.dataset or 'given'} palette: {shown}{more}")
    ids = np.array([lookup[int(c)] for c in uniques], dtype=np.int64)
    return ids[inverse].reshape(codes.shape)
