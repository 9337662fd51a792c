"""`DatasetSpec`: everything gaugan knows about one dataset layout, declared once beside its loader.

Each loader class carries its spec (``CocoStuff.spec``); from the specs alone come the dataset
registry (`gaugan.data.registry`), the built-in label sets (`gaugan.data.labelsets.load_labelset`),
the paper's model configs (`gaugan.models.presets`) and the training presets
(`gaugan.train.config.PRESETS`). Channel counts are never written down: they follow from the label
table and the don't-care / instance flags (`LabelSet.semantic_channels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gaugan.data.transforms import Preprocess
from gaugan.labels import LabelSet

TRAIN_SPLITS = ("train", "training")


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset layout, as the paper's code (or, for the newer ones, our measurements) sets it.

    Attributes:
        name: the ``--dataset`` name.
        table: the label table in ``gaugan/data/labels`` (id,name,r,g,b); None when the user's
            palette file gives the classes (``folder``).
        dontcare: the label set has a don't-care channel (the official ``contain_dontcare_label``).
        instance: the dataset ships instance maps, turned into a boundary channel.
        preprocess: the preprocessing mode (`gaugan.data.transforms`).
        train_load_size, test_load_size, crop_size, aspect_ratio: its sizes (width = crop_size,
            height = crop_size / aspect_ratio).
        num_upsampling_layers: the generator depth the paper uses at this size.
        epochs, decay_epochs: the paper's schedule (constant, then linear decay); None: not in the paper.
        paper_model: the paper (and the official code) defines a model for it.
    """

    name: str
    table: str | None
    dontcare: bool = False
    instance: bool = False
    preprocess: str = "resize_and_crop"
    train_load_size: int = 286
    test_load_size: int = 256
    crop_size: int = 256
    aspect_ratio: float = 1.0
    num_upsampling_layers: str = "normal"
    epochs: int | None = None
    decay_epochs: int | None = None
    paper_model: bool = False

    def labels(self) -> LabelSet:
        """The built-in `LabelSet` (``KeyError`` for a layout whose classes come from a palette file)."""
        if self.table is None:
            raise KeyError(f"dataset {self.name!r} has no built-in label set: its palette file gives the classes")
        from gaugan.data.labelsets import read_label_table  # labelsets resolves names through the specs

        names, colors = read_label_table(self.table)
        return LabelSet(names=names, colors=colors, dontcare=self.dontcare, instance=self.instance, dataset=self.name)

    def preprocessing(self, split: str | None) -> Preprocess:
        """The preprocessing for ``split``: the training load size and flipping on the training split only."""
        training = split in TRAIN_SPLITS
        load = self.train_load_size if training else self.test_load_size
        return Preprocess(self.preprocess, load, self.crop_size, self.aspect_ratio, flip=training)

    def train_preset(self) -> dict[str, Any]:
        """TrainConfig fields for training on this dataset with its own sizes and the paper's schedule."""
        preset: dict[str, Any] = {
            "dataset": self.name,
            "preprocess": self.preprocess,
            "load_size": self.train_load_size,
            "crop_size": self.crop_size,
            "aspect_ratio": self.aspect_ratio,
            "num_upsampling_layers": self.num_upsampling_layers,
        }
        if self.epochs is not None:
            preset["epochs"] = self.epochs
        if self.decay_epochs is not None:
            preset["decay_epochs"] = self.decay_epochs
        return preset
