"""Label metadata: what the classes of a label map are called and how they are drawn.

A `LabelSet` travels inside every checkpoint (``config.json``) so that an app, a CLI or a
user can turn class ids into colours and names and back without knowing the dataset.

Id convention inside gaugan (after a dataset has read its files):
    0 .. num_classes-1   the real classes
    num_classes          "don't care" (unlabeled), only when ``dontcare`` is True
The one-hot semantic input a generator sees therefore has
``num_classes + dontcare + instance`` channels (see `LabelSet.semantic_channels`).

Datasets store ids differently on disk (ADE20K: 0 = unlabeled, 1..150 = classes; COCO-Stuff:
255 = unlabeled). A `LabelEncoding` says how, and travels in the label set (``encoding``), so
that a checkpoint reads its training data's own label files as the training loader did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

Color = tuple[int, int, int]
# How a one-channel label image stores ids: as the training data stores them, or gaugan's own ids.
LABEL_ENCODINGS = ("dataset", "model")


class LabelValueError(ValueError):
    """Stored label values that a `LabelEncoding` does not map to a class (the message names them)."""


@dataclass(frozen=True)
class LabelEncoding:
    """How one-channel label files store class ids: value ``first_value + k`` is class k, each of
    ``dontcare_values`` means "don't care"; every other value is an error.

    COCO-Stuff 0 / (255,); ADE20K and CMP Facades 1 / (0,); CamVid 0 / (11,); Cityscapes 0 / ().
    """

    first_value: int = 0
    dontcare_values: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_value", int(self.first_value))
        object.__setattr__(self, "dontcare_values", tuple(int(v) for v in self.dontcare_values))

    @classmethod
    def model_ids(cls, labels: "LabelSet") -> "LabelEncoding":
        """The identity: files that store gaugan's own ids (don't care = num_classes)."""
        return cls(0, (labels.num_classes,) if labels.dontcare else ())

    def is_model_ids(self, labels: "LabelSet") -> bool:
        return self == LabelEncoding.model_ids(labels)

    def valid_values(self, labels: "LabelSet") -> str:
        text = f"{self.first_value}..{self.first_value + labels.num_classes - 1}"
        if self.dontcare_values:
            text += f", or {'/'.join(str(v) for v in self.dontcare_values)} for don't care"
        return text

    def decode(self, stored: np.ndarray, labels: "LabelSet", source: object = "label map") -> np.ndarray:
        """(H, W) stored values -> (H, W) int64 model ids; `LabelValueError` names every unknown value."""
        if self.dontcare_values and not labels.dontcare:
            raise ValueError(f"don't-care values {self.dontcare_values} need a label set with a don't-care id")
        stored = np.asarray(stored).astype(np.int64, copy=False)
        ids = stored - self.first_value
        valid = (ids >= 0) & (ids < labels.num_classes)
        for value in self.dontcare_values:
            is_dontcare = stored == value
            ids[is_dontcare] = labels.num_classes
            valid |= is_dontcare
        if not valid.all():
            values, counts = np.unique(stored[~valid], return_counts=True)
            shown = ", ".join(f"{int(v)} ({int(c)} px)" for v, c in zip(values[:8], counts[:8]))
            more = f" and {len(values) - 8} more values" if len(values) > 8 else ""
            raise LabelValueError(f"{source}: label values not in {labels.dataset or 'the label set'} "
                                  f"(valid: {self.valid_values(labels)}): {shown}{more}")
        return ids

    def encode(self, ids: np.ndarray, labels: "LabelSet") -> np.ndarray:
        """(H, W) model ids -> (H, W) int64 stored values (don't care -> the first don't-care value)."""
        ids = np.asarray(ids).astype(np.int64, copy=False)
        if ids.size and (ids.min() < 0 or ids.max() >= labels.num_classes + int(labels.dontcare)):
            raise ValueError(f"model ids must be 0..{labels.num_classes + int(labels.dontcare) - 1}, "
                             f"got {int(ids.min())}..{int(ids.max())}")
        stored = ids + self.first_value
        dontcare = ids == labels.num_classes if labels.dontcare else None
        if dontcare is not None and dontcare.any():
            if not self.dontcare_values:
                raise ValueError(f"the {labels.dataset or 'dataset'} encoding has no value for don't care")
            stored[dontcare] = self.dontcare_values[0]
        return stored

    def to_dict(self) -> dict[str, Any]:
        return {"first_value": self.first_value, "dontcare_values": list(self.dontcare_values)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LabelEncoding":
        unknown = set(data) - {"first_value", "dontcare_values"}
        if unknown:
            raise ValueError(f"unknown label encoding fields: {sorted(unknown)}")
        return cls(int(data.get("first_value", 0)), tuple(data.get("dontcare_values", ())))


@dataclass(frozen=True)
class LabelSet:
    """Class names and colours of one label space.

    Attributes:
        names: one name per class id 0..num_classes-1.
        colors: one (r, g, b) per class id, each 0..255.
        dontcare: the label space has an "unlabeled" id (= num_classes) that gets its own
            one-hot channel, as the paper's code does for COCO-Stuff and ADE20K.
        instance: an instance-boundary channel is appended to the one-hot map.
        dataset: free-form name of where the labels come from ("coco-stuff", ...).
        dontcare_color: colour drawn for the don't-care id.
        encoding: how the training data's one-channel label files store these ids (written by
            every dataset; None in label sets older than it: files are then read as model ids).
            Not part of equality: the same classes stored two ways are the same label space.
    """

    names: tuple[str, ...]
    colors: tuple[Color, ...]
    dontcare: bool = False
    instance: bool = False
    dataset: str = ""
    dontcare_color: Color = (0, 0, 0)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    encoding: LabelEncoding | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        names = tuple(str(n) for n in self.names)
        colors = tuple(tuple(int(c) for c in rgb) for rgb in self.colors)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "colors", colors)
        object.__setattr__(self, "dontcare_color", tuple(int(c) for c in self.dontcare_color))
        if not names:
            raise ValueError("LabelSet needs at least one class name")
        if len(colors) != len(names):
            raise ValueError(f"LabelSet has {len(names)} names but {len(colors)} colours")
        for i, rgb in enumerate(colors):
            if len(rgb) != 3 or any(not 0 <= c <= 255 for c in rgb):
                raise ValueError(f"LabelSet colour of class {i} ({names[i]!r}) is not an RGB triple in 0..255: {rgb}")

    @property
    def num_classes(self) -> int:
        return len(self.names)

    @property
    def dontcare_id(self) -> int | None:
        """Internal id of the don't-care class, or None when the label space has none."""
        return self.num_classes if self.dontcare else None

    @property
    def semantic_channels(self) -> int:
        """Channels of the generator's semantic input: classes + don't-care + instance edge."""
        return self.num_classes + int(self.dontcare) + int(self.instance)

    def palette(self) -> list[Color]:
        """Colour of every internal id: the classes, then the don't-care colour (if any)."""
        return list(self.colors) + ([self.dontcare_color] if self.dontcare else [])

    def id_of(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no class named {name!r} in label set {self.dataset!r}") from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dataset": self.dataset,
            "names": list(self.names),
            "colors": [list(c) for c in self.colors],
            "dontcare": self.dontcare,
            "dontcare_color": list(self.dontcare_color),
            "instance": self.instance,
        }
        if self.extra:
            out["extra"] = dict(self.extra)
        if self.encoding is not None:
            out["encoding"] = self.encoding.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LabelSet":
        known = {"dataset", "names", "colors", "dontcare", "dontcare_color", "instance", "extra", "encoding"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown label metadata fields: {sorted(unknown)}")
        for required in ("names", "colors"):
            if required not in data:
                raise ValueError(f"label metadata is missing the field {required!r}")
        return cls(
            names=tuple(data["names"]),
            colors=tuple(tuple(c) for c in data["colors"]),
            dontcare=bool(data.get("dontcare", False)),
            instance=bool(data.get("instance", False)),
            dataset=str(data.get("dataset", "")),
            dontcare_color=tuple(data.get("dontcare_color", (0, 0, 0))),
            extra=dict(data.get("extra", {})),
            encoding=LabelEncoding.from_dict(data["encoding"]) if data.get("encoding") is not None else None,
        )

    @classmethod
    def generic(cls, num_classes: int, *, dontcare: bool = False, instance: bool = False) -> "LabelSet":
        """Anonymous classes named ``class_0..`` with the pix2pixHD bit-interleaved colours."""
        return cls(
            names=tuple(f"class_{i}" for i in range(num_classes)),
            colors=tuple(bit_interleaved_color(i) for i in range(num_classes)),
            dontcare=dontcare,
            instance=instance,
        )


def bit_interleaved_color(index: int) -> Color:
    """The pix2pixHD / SPADE colour map: bits of ``index + 1`` spread over r, g, b from the top bit.

    Gives 0 -> (128, 0, 0), 1 -> (0, 128, 0), 2 -> (128, 128, 0), ... for any class index.
    """
    code = index + 1
    r = g = b = 0
    for shift in range(7, -1, -1):
        r |= (code & 1) << shift
        g |= ((code >> 1) & 1) << shift
        b |= ((code >> 2) & 1) << shift
        code >>= 3
    return (r, g, b)
