"""Label metadata: what the classes of a label map are called and how they are drawn.

A `LabelSet` travels inside every checkpoint (``config.json``) so that an app, a CLI or a
user can turn class ids into colours and names and back without knowing the dataset.

Id convention inside gaugan (after a dataset has read its files):
    0 .. num_classes-1   the real classes
    num_classes          "don't care" (unlabeled), only when ``dontcare`` is True
The one-hot semantic input a generator sees therefore has
``num_classes + dontcare + instance`` channels (see `LabelSet.semantic_channels`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Color = tuple[int, int, int]


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
    """

    names: tuple[str, ...]
    colors: tuple[Color, ...]
    dontcare: bool = False
    instance: bool = False
    dataset: str = ""
    dontcare_color: Color = (0, 0, 0)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

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
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LabelSet":
        known = {"dataset", "names", "colors", "dontcare", "dontcare_color", "instance", "extra"}
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
