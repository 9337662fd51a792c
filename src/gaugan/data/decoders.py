"""Label-map decoders: from what a dataset stores on disk to gaugan's internal ids.

Internal ids: 0..num_classes-1 for the classes, num_classes for "don't care" when the label set has
one. A decoder is a callable ``path -> (H, W) int64``; it checks every value it reads and names the
file, the offending values and their pixel counts in a `DatasetError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from gaugan.data.errors import DatasetError
from gaugan.data.image_io import id_array, open_image
from gaugan.data.labelsets import ids_from_colors, ids_from_nearest_colors
from gaugan.labels import LabelSet


def _value_list(values: np.ndarray, counts: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(f"{int(v)} ({int(c)} px)" for v, c in zip(values[:limit], counts[:limit]))
    return shown + (f" and {len(values) - limit} more values" if len(values) > limit else "")


@dataclass(frozen=True)
class IdDecoder:
    """Class-id maps: a stored value ``first_value + k`` is class k; ``dontcare_values`` mean "don't care".

    COCO-Stuff: first_value 0, dontcare_values (255,). ADE20K and CMP Facades: first_value 1,
    dontcare_values (0,) (the paper's code shifts by -1 and sends 0 to the don't-care id).
    Cityscapes: first_value 0, no don't-care.
    """

    labels: LabelSet
    first_value: int = 0
    dontcare_values: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.dontcare_values and not self.labels.dontcare:
            raise ValueError("dontcare_values need a label set with a don't-care id")

    def valid_values(self) -> str:
        last = self.first_value + self.labels.num_classes - 1
        text = f"{self.first_value}..{last}"
        if self.dontcare_values:
            text += f", or {'/'.join(str(v) for v in self.dontcare_values)} for don't care"
        return text

    def from_array(self, raw: np.ndarray, source: object) -> np.ndarray:
        ids = raw - self.first_value
        valid = (ids >= 0) & (ids < self.labels.num_classes)
        for value in self.dontcare_values:
            is_dontcare = raw == value
            ids[is_dontcare] = self.labels.num_classes
            valid |= is_dontcare
        if not valid.all():
            values, counts = np.unique(raw[~valid], return_counts=True)
            raise DatasetError(
                f"{source}: label values not in {self.labels.dataset or 'the label set'} "
                f"(valid: {self.valid_values()}): {_value_list(values, counts)}"
            )
        return ids

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        return self.from_array(id_array(image, source), source)

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)


@dataclass(frozen=True)
class ColorDecoder:
    """Colour-coded maps (lossless PNG) mapped exactly through the label set's palette."""

    labels: LabelSet

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        return ids_from_colors(np.asarray(image.convert("RGB")), self.labels, str(source))

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)


@dataclass(frozen=True)
class NearestColorDecoder:
    """Colour-coded maps saved lossily (JPEG, e.g. pix2pix's facades): nearest palette colour per pixel."""

    labels: LabelSet
    tolerance: float = 80.0

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        return ids_from_nearest_colors(np.asarray(image.convert("RGB")), self.labels, str(source), tolerance=self.tolerance)

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)


@dataclass(frozen=True)
class AutoDecoder:
    """Colour-coded when the file is RGB(A), class ids when it has one channel (L, P, I)."""

    ids: IdDecoder
    colors: ColorDecoder

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        if image.mode in ("RGB", "RGBA"):
            return self.colors.decode_image(image, source)
        return self.ids.decode_image(image, source)

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)
