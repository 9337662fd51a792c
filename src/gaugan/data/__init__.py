"""Datasets in their official layouts, label palettes, preprocessing, and dataset checks."""

from gaugan.data.errors import DatasetError
from gaugan.data.labelsets import colorize, ids_from_colors, load_labelset, load_palette_file
from gaugan.data.paired import PairedDataset, Sample
from gaugan.data.registry import DATASETS, build_dataset
from gaugan.data.transforms import Preprocess

__all__ = [
    "DatasetError",
    "build_dataset",
    "DATASETS",
    "PairedDataset",
    "Sample",
    "Preprocess",
    "load_labelset",
    "load_palette_file",
    "colorize",
    "ids_from_colors",
]
