"""The dataset every layout reduces to: a list of (image, label map[, instance map]) files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from gaugan.data.errors import DatasetError
from gaugan.data.image_io import read_label_ids, read_rgb
from gaugan.data.transforms import Preprocess, apply, sample_params
from gaugan.labels import LabelSet


@dataclass(frozen=True)
class Sample:
    image: Path
    label: Path
    instance: Path | None = None


def pair_by_stem(
    images: list[Path],
    labels: list[Path],
    instances: list[Path] | None,
    source: Path,
    key: Callable[[Path], str] = lambda p: p.stem,
) -> list[Sample]:
    """Match files by ``key`` (the name stem by default); any image without a label (or vice versa)
    is an error listing them."""
    label_by_stem = {key(p): p for p in labels}
    image_by_stem = {key(p): p for p in images}
    missing_labels = sorted(set(image_by_stem) - set(label_by_stem))
    missing_images = sorted(set(label_by_stem) - set(image_by_stem))
    problems = []
    if missing_labels:
        problems.append(f"{len(missing_labels)} image(s) without a label map: {', '.join(missing_labels[:5])}")
    if missing_images:
        problems.append(f"{len(missing_images)} label map(s) without an image: {', '.join(missing_images[:5])}")
    inst_by_stem = {key(p): p for p in instances} if instances is not None else None
    if inst_by_stem is not None:
        missing_inst = sorted(set(image_by_stem) - set(inst_by_stem))
        if missing_inst:
            problems.append(f"{len(missing_inst)} image(s) without an instance map: {', '.join(missing_inst[:5])}")
    if problems:
        raise DatasetError(f"{source}: " + "; ".join(problems))
    if not image_by_stem:
        raise DatasetError(f"{source}: no images found")
    return [
        Sample(image_by_stem[s], label_by_stem[s], inst_by_stem[s] if inst_by_stem is not None else None)
        for s in sorted(image_by_stem)
    ]


class PairedDataset(Dataset):
    """Items: ``image`` (3, H, W) float32 in [-1, 1], ``label`` (H, W) int64 internal ids,
    ``instance`` (H, W) int64 when the label set has an instance channel, ``path`` (str).

    Args:
        samples: the files.
        labels: the label space.
        decode_label: path -> (H, W) int64 internal ids (checks the values).
        preprocess: resize / crop / flip options (random draws from Python's `random`).
    """

    def __init__(self, samples: list[Sample], labels: LabelSet, decode_label: Callable[[Path], np.ndarray], preprocess: Preprocess) -> None:
        if not samples:
            raise DatasetError("the dataset is empty")
        self.samples = samples
        self.labels = labels
        self.decode_label = decode_label
        self.preprocess = preprocess

    def __len__(self) -> int:
        return len(self.samples)

    def load_raw(self, index: int) -> tuple[Image.Image, np.ndarray, np.ndarray | None]:
        """Image, label ids and instance ids at full resolution, checked for size agreement."""
        sample = self.samples[index]
        image = read_rgb(sample.image)
        label = self.decode_label(sample.label)
        if label.shape != (image.height, image.width):
            raise DatasetError(
                f"{sample.label}: label map is {label.shape[1]}x{label.shape[0]} but its image "
                f"{sample.image.name} is {image.width}x{image.height}"
            )
        instance = None
        if self.labels.instance:
            instance = read_label_ids(sample.instance) if sample.instance is not None else label.copy()
            if instance.shape != label.shape:
                raise DatasetError(f"{sample.instance}: instance map size {instance.shape[::-1]} differs from its label map {label.shape[::-1]}")
        return image, label, instance

    def __getitem__(self, index: int) -> dict[str, Any]:
        image, label, instance = self.load_raw(index)
        params = sample_params(image.size, self.preprocess, str(self.samples[index].image))
        image = apply(image, params, self.preprocess, nearest=False)
        # Ids go through PIL as 32-bit integer images so nearest resizing cannot alter them.
        label = np.asarray(apply(Image.fromarray(label.astype(np.int32), mode="I"), params, self.preprocess, nearest=True))
        item: dict[str, Any] = {
            "image": torch.from_numpy(np.asarray(image, dtype=np.float32)).permute(2, 0, 1) / 127.5 - 1,
            "label": torch.from_numpy(label.astype(np.int64)),
            "path": str(self.samples[index].image),
        }
        if instance is not None:
            inst = apply(Image.fromarray(instance.astype(np.int32), mode="I"), params, self.preprocess, nearest=True)
            item["instance"] = torch.from_numpy(np.asarray(inst).astype(np.int64))
        return item
