"""The training run's dataset, built from its config: ``dataset``, plus ``extra_dataset`` relabelled into it."""

from __future__ import annotations

import inspect
import sys

from torch.utils.data import ConcatDataset, Dataset

from gaugan.data import PairedDataset, build_dataset, first_samples
from gaugan.data.errors import DatasetError
from gaugan.data.image_io import image_size
from gaugan.data.registry import DATASET_CLASSES
from gaugan.data.relabel import RelabelledDataset
from gaugan.train.config import TrainConfig

# "fixed" resizes every photo to one size: a photo whose width / height is further than this from the
# training aspect ratio would come out stretched, so an extra dataset's are left out.
ASPECT_TOLERANCE = 0.02


def build_training_dataset(config: TrainConfig) -> Dataset:
    """The dataset ``config`` names (with ``.labels``), with ``extra_dataset`` joined; ``max_samples``, if set,
    keeps the first that many of each."""
    dataset = first_samples(_build(config, config.dataset, config.dataroot, config.split), config.max_samples)
    if config.extra_dataset is not None:
        extra = _build(config, config.extra_dataset, config.extra_dataroot, config.extra_split)
        kept = matching_aspect(extra, config.aspect_ratio) if config.preprocess == "fixed" else list(range(len(extra)))
        if not kept:
            raise DatasetError(f"extra_dataset {config.extra_dataset} at {config.extra_dataroot}: none of its {len(extra)} "
                               f"photos has the training aspect ratio {config.aspect_ratio:.3f} (within {ASPECT_TOLERANCE:.0%})")
        relabelled = RelabelledDataset(extra, dataset.labels, kept[:config.max_samples])
        print(f"gaugan train: + {len(relabelled)} {config.extra_dataset} pairs relabelled to {dataset.labels.dataset}"
              + (f" ({len(extra) - len(kept)} of another aspect ratio left out)" if len(kept) < len(extra) else ""),
              file=sys.stderr)
        dataset = JoinedDataset(dataset, relabelled)
    return dataset


def _build(config: TrainConfig, name: str, root: str, split: str) -> PairedDataset:
    # Only the layouts with instance maps take the option; for the others it changes nothing.
    takes_instances = "instances" in inspect.signature(DATASET_CLASSES[name]).parameters if name in DATASET_CLASSES else False
    options = {"instances": False} if (not config.instances and takes_instances) else {}
    return build_dataset(
        name,
        root,
        split,
        preprocess=config.preprocess,
        load_size=config.load_size,
        crop_size=config.crop_size,
        aspect_ratio=config.aspect_ratio,
        flip=config.flip,
        palette=config.palette if name == config.dataset else None,
        **options,
    )


def matching_aspect(dataset: PairedDataset, aspect_ratio: float) -> list[int]:
    """Indices of the samples whose photo's width / height is within `ASPECT_TOLERANCE` of ``aspect_ratio``
    (read from the file headers only)."""
    kept = []
    for index, sample in enumerate(dataset.samples):
        width, height = image_size(sample.image)
        if abs(width / height / aspect_ratio - 1) <= ASPECT_TOLERANCE:
            kept.append(index)
    return kept


class JoinedDataset(ConcatDataset):
    """Several datasets in one label set, one after another; ``.labels`` is the first one's."""

    def __init__(self, *datasets: Dataset) -> None:
        labels = datasets[0].labels
        for other in datasets[1:]:
            if other.labels != labels:
                raise DatasetError(f"cannot train {labels.dataset} and {other.labels.dataset} together: their label sets differ")
        super().__init__(datasets)
        self.labels = labels
