"""`build_dataset(name, root, split, ...)`: one entry point for every supported layout."""

from __future__ import annotations

from pathlib import Path

from gaugan.data import layouts
from gaugan.data.errors import DatasetError
from gaugan.data.paired import PairedDataset
from gaugan.data.transforms import Preprocess

DATASETS = ("coco-stuff", "ade20k", "ade20k-outdoor", "cityscapes", "facades", "folder", "labelmefacade")


def build_dataset(
    name: str,
    root: str | Path,
    split: str = "train",
    *,
    preprocess: str = "resize_and_crop",
    load_size: int = 286,
    crop_size: int = 256,
    aspect_ratio: float = 1.0,
    flip: bool = True,
    palette: str | Path | None = None,
) -> PairedDataset:
    """A `PairedDataset` reading ``root`` in the official layout of dataset ``name``."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetError(f"dataset folder not found: {root}")
    opts = Preprocess(preprocess, load_size, crop_size, aspect_ratio, flip)
    if name == "coco-stuff":
        return layouts.coco_stuff(root, split, opts)
    if name in ("ade20k", "ade20k-outdoor"):
        return layouts.ade20k(root, split, opts, outdoor_only=name == "ade20k-outdoor")
    if name == "cityscapes":
        return layouts.cityscapes(root, split, opts)
    if name == "facades":
        return layouts.facades(root, split, opts)
    if name == "labelmefacade":
        return layouts.labelmefacade(root, split, opts)
    if name == "folder":
        return layouts.folder(root, split, opts, palette=palette)
    raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
