"""Datasets in their official on-disk layouts, label palettes, the paper's preprocessing, and dataset checks.

    from gaugan.data import build_dataset
    dataset = build_dataset("coco-stuff", "datasets/coco_stuff", "train")
    item = dataset[0]                      # image (3, H, W) [-1, 1], label (H, W), instance (H, W), path
    semantics = dataset.semantic_input(item)   # (1, 184, H, W) one-hot + don't-care + instance edges
"""

from gaugan.data.ade20k import ADE20K, ADE20KOutdoor, outdoor_scene_names
from gaugan.data.check import CheckReport, check_dataset
from gaugan.data.cityscapes import Cityscapes
from gaugan.data.coco_stuff import CocoStuff
from gaugan.data.batching import collate_samples, first_samples
from gaugan.data.errors import DatasetError
from gaugan.data.facades import Facades
from gaugan.data.folder import FolderDataset, LabelMeFacade
from gaugan.data.labelsets import (
    builtin_labelsets,
    colorize,
    ids_from_colors,
    ids_from_nearest_colors,
    load_labelset,
    load_palette_file,
)
from gaugan.data.paired import PairedDataset, Sample, semantic_input_of
from gaugan.data.registry import DATASETS, build_dataset, default_preprocess
from gaugan.data.transforms import MODES, Preprocess

__all__ = [
    "ADE20K",
    "ADE20KOutdoor",
    "CheckReport",
    "Cityscapes",
    "CocoStuff",
    "DATASETS",
    "DatasetError",
    "Facades",
    "FolderDataset",
    "LabelMeFacade",
    "MODES",
    "PairedDataset",
    "Preprocess",
    "Sample",
    "build_dataset",
    "collate_samples",
    "first_samples",
    "builtin_labelsets",
    "check_dataset",
    "colorize",
    "default_preprocess",
    "ids_from_colors",
    "ids_from_nearest_colors",
    "load_labelset",
    "load_palette_file",
    "outdoor_scene_names",
    "semantic_input_of",
]
