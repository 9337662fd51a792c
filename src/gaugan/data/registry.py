"""`build_dataset(name, root, split, ...)`: one entry point for every supported dataset layout.

Preprocessing defaults are the official code's per-dataset defaults: resize_and_crop with load_size
286 for training and 256 otherwise, crop 256 (COCO-Stuff, ADE20K, Facades, folders); Cityscapes
``fixed`` 512 x 256 (crop_size 512, aspect_ratio 2). Flipping is on for the training split only, as
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
from gaugan.data.transforms import Preprocess

DATASET_CLASSES: dict[str, Callable[..., PairedDataset]] = {
    "coco-stuff": CocoStuff,
    "ade20k": ADE20K,
    "ade20k-outdoor": ADE20KOutdoor,
    "cityscapes": Cityscapes,
    "facades": Facades,
    "labelmefacade": LabelMeFacade,
    "camvid": CamVid,
    "folder": FolderDataset,
}
DATASETS = tuple(DATASET_CLASSES)

# name -> (preprocess mode, train load_size, test load_size, crop_size, aspect_ratio)
PREPROCESS_DEFAULTS: dict[str, tuple[str, int, int, int, float]] = {
    "coco-stuff": ("resize_and_crop", 286, 256, 256, 1.0),
    "ade20k": ("resize_and_crop", 286, 256, 256, 1.0),
    "ade20k-outdoor": ("resize_and_crop", 286, 256, 256, 1.0),
    "cityscapes": ("fixed", 512, 512, 512, 2.0),
    "facades": ("resize_and_crop", 286, 256, 256, 1.0),
    # Mostly 683x512 street photos: keep their aspect ratio, then crop.
    "labelmefacade": ("scale_shortside_and_crop", 286, 256, 256, 1.0),
    # 480x360 street frames: the whole 4:3 frame at 256x192 (square crops would cut away the sky or road).
    "camvid": ("fixed", 256, 256, 256, 4 / 3),
    "folder": ("resize_and_crop", 286, 256, 256, 1.0),
}
TRAIN_SPLITS = ("train", "training")


def default_preprocess(name: str, split: str | None) -> Preprocess:
    """The official code's preprocessing for dataset ``name`` and ``split``."""
    mode, train_load, test_load, crop, aspect = PREPROCESS_DEFAULTS[name]
    training = split in TRAIN_SPLITS
    return Preprocess(mode, train_load if training else test_load, crop, aspect, flip=training)


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
