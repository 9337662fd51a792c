"""Per-pixel label codes: one owner for the one-hot map's codes, their nearest resizing and the
k x k conv windows over them (see `codes`). Training lookups, the fast path and ONNX build on it."""

from gaugan.label_codes.codes import (
    MAX_CODED_EXTRAS,
    CodeLevel,
    LabelCodes,
    check_label_ids,
    code_vectors,
    codes_of,
    one_hot_ids,
    split_semantics,
)
from gaugan.label_codes.nearest import nearest_source_indices, resize_nearest
from gaugan.label_codes.windows import Windows, pad_codes, tap_views

__all__ = [
    "MAX_CODED_EXTRAS",
    "CodeLevel",
    "LabelCodes",
    "Windows",
    "check_label_ids",
    "code_vectors",
    "codes_of",
    "nearest_source_indices",
    "one_hot_ids",
    "pad_codes",
    "resize_nearest",
    "split_semantics",
    "tap_views",
]
