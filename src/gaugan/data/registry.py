"""`build_dataset(name, root, split, ...)`: one entry point for every supported dataset layout.

Preprocessing defaults are each dataset's `DatasetSpec` (the official code's per-dataset defaults:
resize_and_crop with load_size 286 for training and 256 otherwise, crop 256 for COCO-Stuff, ADE20K,
Facades and folders; Cityscapes ``fixed`` 512 x 256). Flipping is on for the training split only, as
the official code flips only when training. Every default can be overridden.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gaugan.data.ade20k import ADE20K, ADE20KOutdoor
from gaugan.data.camvid import CamVid
from gaugan.data.cityscapes import Cityscapes
from gaugan.data.coco_stuff import CocoStuff
from gaugan.data.errors import DatasetError
from gaugan.data.facades import Facades
from gaugan.data.folder import FolderDataset, LabelMeFacade
from gaugan.data.paired import PairedDataset
from gaugan.data.spec import DatasetSpec
from gaugan.data.transforms import Preprocess

# Every loader carries its `DatasetSpec`; the names, label sets and defaults below come from them.
_LOADERS: tuple[type[PairedDataset], ...] = (CocoStuff, ADE20K, ADE20KOutdoor, Cityscapes, Facades, LabelMeFacade, CamVid, FolderDataset)
DATASET_CLASSES: dict[str, Callable[..., PairedDataset]] = {loader.spec.name: loader for loader in _LOADERS}
SPECS: dict[str, DatasetSpec] = {loader.spec.name: loader.spec for loader in _LOADERS}
DATASETS = tuple(DATASET_CLASSES)


def default_preprocess(name: str, split: str | None) -> Preprocess:
    """The official code's preprocessing for dataset ``name`` and ``split``."""
    return SPECS[name].preprocessing(split)


def build_dataset(
    name: str,
    root: str | Path,
    split: str | None = "train",
    *,
    preprocess: str | Preprocess | None = None,
    load_size: int | None = None,
    crop_size: int | None = None,
    aspect_ratio: float | None = None,
    flip: bool | None = None,
    palette: str | Path | None = None,
    strict: bool = True,
    **options: Any,
) -> PairedDataset:
    """A dataset reading ``root`` in the official layout of dataset ``name``.

    Args:
        name: one of `DATASETS`: coco-stuff, ade20k, ade20k-outdoor, cityscapes, facades,
            labelmefacade, camvid, folder.
        root: the dataset folder as downloaded.
        split: train / val / ... (each layout documents its names).
        preprocess: a mode name (see `gaugan.data.transforms`) or a `Preprocess`; None: the dataset's default.
        load_size, crop_size, aspect_ratio, flip: override single preprocess options.
        palette: label set file for ``folder`` (CSV id,name,r,g,b or LabelSet JSON).
        strict: raise every pairing problem at once; False keeps them in ``dataset.problems``.
        options: passed to the dataset class (e.g. ``instances=False``, ``layout="pix2pix"``,
            ``outdoor_scenes=PATH``, ``dontcare_value=255``).
    Returns:
        A `PairedDataset` whose items are dicts with ``image`` (3, H, W) float32 in [-1, 1],
        ``label`` (H, W) int64, ``instance`` (H, W) int64 when the label set has instances, ``path``.
    """
    if name not in DATASET_CLASSES:
        raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    root = Path(root).expanduser()
    if split is None and name not in ("folder", "labelmefacade"):
        split = "train"
    if not root.is_dir():
        raise DatasetError(f"dataset folder not found: {root}")
    base = preprocess if isinstance(preprocess, Preprocess) else default_preprocess(name, split)
    opts = Preprocess(
        mode=preprocess if isinstance(preprocess, str) else base.mode,
        load_size=base.load_size if load_size is None else load_size,
        crop_size=base.crop_size if crop_size is None else crop_size,
        aspect_ratio=base.aspect_ratio if aspect_ratio is None else aspect_ratio,
        flip=base.flip if flip is None else flip,
    )
    if palette is not None:
        if name != "folder":
            raise DatasetError(f"--palette is for the folder dataset; {name} has its built-in label set")
        options["labels"] = palette
    return DATASET_CLASSES[name](root, split, opts, strict=strict, **options)
