"""Batching dataset items, and taking the first N samples of a dataset without losing its labels."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import Dataset, Subset


def collate_samples(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack the tensor fields of dataset items (image, label, instance); keep the rest (paths) as lists."""
    out: dict[str, Any] = {}
    for key in samples[0]:
        values = [s[key] for s in samples]
        out[key] = torch.stack(values) if torch.is_tensor(values[0]) else values
    return out


def first_samples(dataset: Dataset, count: int | None) -> Dataset:
    """The first ``count`` samples (all when None or larger), still carrying ``.labels``."""
    if count is None or count >= len(dataset):  # type: ignore[arg-type]
        return dataset
    subset = Subset(dataset, range(count))
    subset.labels = dataset.labels  # type: ignore[attr-defined]
    return subset
