"""The training run's dataset, built from its config."""

from __future__ import annotations

import inspect

from torch.utils.data import Dataset

from gaugan.data import build_dataset, first_samples
from gaugan.data.registry import DATASET_CLASSES
from gaugan.train.config import TrainConfig


def build_training_dataset(config: TrainConfig) -> Dataset:
    """The dataset ``config`` names (with ``.labels``), truncated to ``max_samples`` if set."""
    # Only the layouts with instance maps take the option; for the others it changes nothing.
    takes_instances = "instances" in inspect.signature(DATASET_CLASSES[config.dataset]).parameters
    options = {"instances": False} if (not config.instances and takes_instances) else {}
    dataset = build_dataset(
        config.dataset,
        config.dataroot,
        config.split,
        preprocess=config.preprocess,
        load_size=config.load_size,
        crop_size=config.crop_size,
        aspect_ratio=config.aspect_ratio,
        flip=config.flip,
        palette=config.palette,
        **options,
    )
    return first_samples(dataset, config.max_samples)
