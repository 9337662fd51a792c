"""The dataset every layout reduces to: a list of (image, label map[, instance map]) files.

A layout module (coco_stuff.py, ade20k.py, ...) finds the files of one split and pairs them; this
module reads, checks, preprocesses and returns them. Pairing problems (an image without a label map
and the like) are collected, not raised one at a time: a strict dataset raises them all together, a
lenient one (``strict=False``, used by ``gaugan data check``) keeps them in ``.problems`` and serves
the complete pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from gaugan.data.errors import DatasetError
from gaugan.data.image_io import read_ids, read_rgb
from gaugan.data.transforms import Preprocess, image_to_tensor, sample_params, apply, transform_ids
from gaugan.labels import LabelSet
from gaugan.semantics import semantic_input


@dataclass(frozen=True)
class Sample:
    """The files of one training pair. ``instance`` is None when the dataset has no instance maps."""

    image: Path
    label: Path
    instance: Path | None = None


@dataclass
class Pairing:
    """Result of matching files by key: complete samples plus every problem found."""

    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _names(paths: Iterable[Path], source: Path, limit: int = 5) -> str:
    """File names relative to the dataset folder, the first ``limit`` of them."""

    def rel(path: Path) -> str:
        try:
            return str(path.relative_to(source))
        except ValueError:
            return str(path)

    names = sorted(rel(p) for p in paths)
    return ", ".join(names[:limit]) + (f" ... ({len(names) - limit} more)" if len(names) > limit else "")


def pair_files(
    images: list[Path],
    labels: list[Path],
    instances: list[Path] | None,
    source: Path,
    key: Callable[[Path], str] = lambda p: p.stem,
) -> Pairing:
    """Match image, label and instance files by ``key`` (the file stem by default).

    Every orphan (image without label map, label map without image, image without instance map) and
    every key shared by two files of one kind is reported; only complete pairs become samples.
    """
    problems: list[str] = []

    def index(files: list[Path], what: str) -> dict[str, Path]:
        by_key: dict[str, Path] = {}
        for path in files:
            k = key(path)
            if k in by_key:
                problems.append(f"{source}: two {what} files for {k!r}: {by_key[k].name} and {path.name}")
                continue
            by_key[k] = path
        return by_key

    image_by = index(images, "image")
    label_by = index(labels, "label map")
    inst_by = index(instances, "instance map") if instances is not None else None
    if missing := set(image_by) - set(label_by):
        problems.append(f"{source}: {len(missing)} image(s) without a label map: {_names((image_by[k] for k in missing), source)}")
    if missing := set(label_by) - set(image_by):
        problems.append(f"{source}: {len(missing)} label map(s) without an image: {_names((label_by[k] for k in missing), source)}")
    if inst_by is not None:
        if missing := (set(image_by) & set(label_by)) - set(inst_by):
            problems.append(f"{source}: {len(missing)} image(s) without an instance map: {_names((image_by[k] for k in missing), source)}")
        if missing := set(inst_by) - set(image_by):
            problems.append(f"{source}: {len(missing)} instance map(s) without an image: {_names((inst_by[k] for k in missing), source)}")
    complete = sorted(set(image_by) & set(label_by) & (set(inst_by) if inst_by is not None else set(image_by)))
    samples = [Sample(image_by[k], label_by[k], inst_by[k] if inst_by is not None else None) for k in complete]
    return Pairing(samples, problems)


@dataclass
class SampleCheck:
    """What `PairedDataset.inspect` found in one sample (at full resolution)."""

    size: tuple[int, int] | None = None  # (w, h) of the image
    label: np.ndarray | None = None  # (H, W) internal ids when readable and valid
    problems: list[str] = field(default_factory=list)


class PairedDataset(Dataset):
    """Paired image / label map (/ instance map) files, read and preprocessed as the paper's code does.

    Items (``dataset[i]``), with H x W the preprocessed size:
        ``image``     (3, H, W) float32 in [-1, 1]
        ``label``     (H, W) int64 internal ids (0..num_classes-1, num_classes = don't care)
        ``instance``  (H, W) int64 instance ids, only when ``labels.instance``
        ``path``      the image file (str)

    Args:
        samples: the files, one `Sample` per pair.
        labels: the label space (``.labels``, which also records ``decode_label.encoding`` when the
            decoder has one: how the files store ids, for the checkpoints trained on them).
        decode_label: ``path -> (H, W) int64`` internal ids; checks every value.
        preprocess: resize / crop / flip options.
        problems: pairing problems found by the layout.
        strict: raise all ``problems`` (and an empty sample list) as one `DatasetError`.
        root: the dataset folder, for messages.
    """

    def __init__(
        self,
        samples: list[Sample],
        labels: LabelSet,
        decode_label: Callable[[Path], np.ndarray],
        preprocess: Preprocess | None = None,
        *,
        problems: Iterable[str] = (),
        strict: bool = True,
        root: Path | str | None = None,
    ) -> None:
        self.samples = list(samples)
        encoding = getattr(decode_label, "encoding", None)
        self.labels = replace(labels, encoding=encoding) if encoding is not None else labels
        self.decode_label = decode_label
        self.preprocess = preprocess or Preprocess()
        self.root = Path(root) if root is not None else None
        self.problems = list(problems)
        if not self.samples:
            self.problems.append(f"{self.root or 'dataset'}: no complete image/label pairs found")
        if strict and self.problems:
            raise DatasetError("\n".join(self.problems) if len(self.problems) == 1 else
                               f"{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems))

    def __len__(self) -> int:
        return len(self.samples)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} samples, {self.labels.dataset or 'labels'}, root={str(self.root)!r})"

    # Reading; layouts that store image and label in one file (pix2pix's A|B facades) override these.
    def read_image(self, sample: Sample) -> Image.Image:
        return read_rgb(sample.image)

    def read_label(self, sample: Sample) -> np.ndarray:
        return self.decode_label(sample.label)

    def read_instance(self, sample: Sample) -> np.ndarray:
        assert sample.instance is not None
        return read_ids(sample.instance, "instance map")

    def _check_size(self, what: Path, shape: tuple[int, ...], image_path: Path, size: tuple[int, int]) -> str | None:
        if shape != (size[1], size[0]):
            return f"{what}: {shape[1]}x{shape[0]} but its image {image_path.name} is {size[0]}x{size[1]}"
        return None

    def load_raw(self, index: int) -> tuple[Image.Image, np.ndarray, np.ndarray | None]:
        """Image (PIL RGB), label ids (H, W) and instance ids (H, W) or None, at full resolution.

        Raises:
            DatasetError: the first problem of this sample (see `inspect` for all of them).
        """
        sample = self.samples[index]
        image = self.read_image(sample)
        label = self.read_label(sample)
        if problem := self._check_size(sample.label, label.shape, sample.image, image.size):
            raise DatasetError(f"size mismatch: {problem}")
        instance = None
        if self.labels.instance:
            # Datasets without instance files use the label map itself: class boundaries become edges.
            instance = self.read_instance(sample) if sample.instance is not None else label.copy()
            if problem := self._check_size(sample.instance or sample.label, instance.shape, sample.image, image.size):
                raise DatasetError(f"size mismatch: {problem}")
        return image, label, instance

    def inspect(self, index: int) -> SampleCheck:
        """Read one sample at full resolution and collect every problem instead of stopping at the first."""
        sample = self.samples[index]
        found = SampleCheck()

        def attempt(read: Callable[[Sample], Any]) -> Any:
            try:
                return read(sample)
            except DatasetError as err:
                found.problems.append(str(err))
                return None

        image = attempt(self.read_image)
        found.label = attempt(self.read_label)
        instance = attempt(self.read_instance) if self.labels.instance and sample.instance is not None else None
        if image is not None:
            found.size = image.size
            for path, array in ((sample.label, found.label), (sample.instance, instance)):
                if array is not None and (problem := self._check_size(path, array.shape, sample.image, image.size)):
                    found.problems.append(f"size mismatch: {problem}")
        return found

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample = self.samples[index]
        image, label, instance = self.load_raw(index)
        opts = self.preprocess
        params = sample_params(image.size, opts, sample.image)
        item: dict[str, Any] = {
            "image": image_to_tensor(apply(image, params, opts.crop_size, nearest=False)),
            "label": torch.from_numpy(transform_ids(label, params, opts.crop_size)),
            "path": str(sample.image),
        }
        if instance is not None:
            item["instance"] = torch.from_numpy(transform_ids(instance, params, opts.crop_size))
        return item

    def semantic_input(self, batch: dict[str, Any]) -> torch.Tensor:
        """The generator's input for an item or a collated batch: (N, labels.semantic_channels, H, W).

        One-hot classes, the don't-care channel (if any) and the instance-boundary channel (if any),
        built by `gaugan.semantics.semantic_input`.
        """
        return semantic_input_of(batch, self.labels)


def semantic_input_of(batch: dict[str, Any], labels: LabelSet) -> torch.Tensor:
    """(N, labels.semantic_channels, H, W) float32 from a dataset item (``label`` (H, W)) or a
    collated batch (``label`` (N, H, W)); uses ``instance`` when the label set has an instance channel."""
    label = batch["label"]
    instance = batch.get("instance") if labels.instance else None
    if label.dim() == 2:
        label = label[None]
        instance = instance[None] if instance is not None else None
    if labels.instance and instance is None:
        instance = label  # no instance maps: class boundaries stand in, as in load_raw
    return semantic_input(label, labels, instance)
