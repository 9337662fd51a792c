"""Label-map files as users hand them over: one-channel class ids (in the training data's stored
encoding, or gaugan's own) or colour-coded RGB(A) in the label set's palette -> model ids.

Used by the Synthesizer (CLI, API, painter) and by `gaugan evaluate --images`, so a label file means
the same ids everywhere.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from gaugan.data.errors import DatasetError
from gaugan.data.labelsets import ids_from_colors
from gaugan.labels import LABEL_ENCODINGS, LabelSet, LabelValueError


class LabelMapError(ValueError):
    """A label map that does not fit the checkpoint's label space (names the value or colour)."""


def label_ids_from_image(image: Image.Image, labels: LabelSet, source: str = "label map",
                         label_encoding: str = "dataset") -> np.ndarray:
    """(H, W) int64 model ids from a class-id image (L, P, I) or a colour-coded RGB(A) image.

    Class-id images are decoded through ``labels.encoding`` (checked: unknown values raise
    `LabelMapError` naming them) when ``label_encoding`` is "dataset" and the label set records
    one; otherwise their values are returned as they are (callers check the range).
    """
    if label_encoding not in LABEL_ENCODINGS:
        raise ValueError(f"label_encoding must be one of {', '.join(LABEL_ENCODINGS)}, got {label_encoding!r}")
    if image.mode in ("RGB", "RGBA"):
        try:
            return ids_from_colors(np.asarray(image.convert("RGB"), dtype=np.uint8), labels, source)
        except DatasetError as err:
            raise LabelMapError(str(err)) from None
    if image.mode not in ("L", "P", "I", "I;16"):
        raise LabelMapError(f"{source}: unsupported image mode {image.mode!r} for a label map")
    stored = np.asarray(image, dtype=np.int64)
    if label_encoding == "dataset" and labels.encoding is not None:
        try:
            return labels.encoding.decode(stored, labels, source)
        except LabelValueError as err:
            raise LabelMapError(f"{err} (as {labels.dataset or 'its training data'} stores them; "
                                "model ids need label_encoding='model')") from None
    return stored


def check_id_range(ids: torch.Tensor, labels: LabelSet, source: str = "label map") -> None:
    """`LabelMapError` naming the first id outside 0..num_classes-1 (+ don't care)."""
    limit = labels.num_classes + int(labels.dontcare)
    if ids.numel() and (ids.min() < 0 or ids.max() >= limit):
        bad = int(ids.max()) if ids.max() >= limit else int(ids.min())
        raise LabelMapError(f"{source}: class id {bad} is outside 0..{limit - 1} ({labels.num_classes} classes)")
