"""Label-file decoders: from what a dataset stores on disk to gaugan's internal ids.

Internal ids are 0..num_classes-1, plus num_classes for "don't care" when the label set has it.
Every decoder checks the values it reads and names the file and the offending value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaugan.data.errors import DatasetError
from gaugan.data.image_io import open_image, read_label_colors, read_label_ids
from gaugan.data.labelsets import ids_from_colors
from gaugan.labels import LabelSet


def _check_range(ids: np.ndarray, labels: LabelSet, path: Path, allowed_extra: str = "") -> None:
    limit = labels.num_classes + int(labels.dontcare)
    bad = (ids < 0) | (ids >= limit)
    if bad.any():
        values, counts = np.unique(ids[bad], return_counts=True)
        shown = ", ".join(f"{v} ({c} px)" for v, c in zip(values[:5], counts[:5]))
        raise DatasetError(
            f"{path}: label ids outside 0..{labels.num_classes - 1}{allowed_extra}: {shown}"
        )


@dataclass(frozen=True)
class IdDecoder:
    """Class-id PNG. ``dontcare_value`` (e.g. 255) maps to the don't-care id; ``offset`` is added
    first (ADE20K stores 1..150 with 0 = other: offset -1, dontcare_value -1)."""

    labels: LabelSet
    dontcare_value: int | None = None
    offset: int = 0

    def __call__(self, path: Path) -> np.ndarray:
        ids = read_label_ids(path) + self.offset
        extra = ""
        if self.dontcare_value is not None:
            if not self.labels.dontcare:
                raise ValueError("dontcare_value needs a label set with a don't-care id")
            ids[ids == self.dontcare_value] = self.labels.num_classes
            extra = f" (or {self.dontcare_value - self.offset} for don't care)"
        _check_range(ids, self.labels, path, extra)
        return ids


@dataclass(frozen=True)
class ColorDecoder:
    """Colour-coded PNG mapped through the label set's palette."""

    labels: LabelSet

    def __call__(self, path: Path) -> np.ndarray:
        return ids_from_colors(read_label_colors(path), self.labels, str(path))


@dataclass(frozen=True)
class AutoDecoder:
    """Colour-coded if the file is RGB(A), class ids if it has one channel (L, P, I)."""

    labels: LabelSet

    def __call__(self, path: Path) -> np.ndarray:
        if open_image(path).mode in ("RGB", "RGBA"):
            return ColorDecoder(self.labels)(path)
        return IdDecoder(self.labels)(path)
