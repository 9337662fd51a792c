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
from gaugan.labels import LabelEncoding, LabelSet, LabelValueError


@dataclass(frozen=True)
class IdDecoder:
    """Class-id maps: a stored value ``first_value + k`` is class k; ``dontcare_values`` mean "don't care"
    (the `LabelEncoding` that does the work lists each dataset's values)."""

    labels: LabelSet
    first_value: int = 0
    dontcare_values: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.dontcare_values and not self.labels.dontcare:
            raise ValueError("dontcare_values need a label set with a don't-care id")

    @property
    def encoding(self) -> LabelEncoding:
        """What this decoder reads, as the label set records it for checkpoints."""
        return LabelEncoding(self.first_value, self.dontcare_values)

    def valid_values(self) -> str:
        return self.encoding.valid_values(self.labels)

    def from_array(self, raw: np.ndarray, source: object) -> np.ndarray:
        try:
            return self.encoding.decode(raw, self.labels, source)
        except LabelValueError as err:
            raise DatasetError(str(err)) from None

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        return self.from_array(id_array(image, source), source)

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)


@dataclass(frozen=True)
class ColorDecoder:
    """Colour-coded maps (lossless PNG) mapped exactly through the label set's palette."""

    labels: LabelSet

    @property
    def encoding(self) -> LabelEncoding:
        # Colour-coded data has no stored ids: one-channel files for its models hold gaugan's ids.
        return LabelEncoding.model_ids(self.labels)

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        return ids_from_colors(np.asarray(image.convert("RGB")), self.labels, str(source))

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)


@dataclass(frozen=True)
class NearestColorDecoder:
    """Colour-coded maps saved lossily (JPEG, e.g. pix2pix's facades): nearest palette colour per pixel."""

    labels: LabelSet
    tolerance: float = 80.0

    @property
    def encoding(self) -> LabelEncoding:
        return LabelEncoding.model_ids(self.labels)

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        return ids_from_nearest_colors(np.asarray(image.convert("RGB")), self.labels, str(source), tolerance=self.tolerance)

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)


@dataclass(frozen=True)
class AutoDecoder:
    """Colour-coded when the file is RGB(A), class ids when it has one channel (L, P, I)."""

    ids: IdDecoder
    colors: ColorDecoder

    @property
    def encoding(self) -> LabelEncoding:
        return self.ids.encoding

    def decode_image(self, image: Image.Image, source: object) -> np.ndarray:
        if image.mode in ("RGB", "RGBA"):
            return self.colors.decode_image(image, source)
        return self.ids.decode_image(image, source)

    def __call__(self, path: Path) -> np.ndarray:
        return self.decode_image(open_image(path), path)
