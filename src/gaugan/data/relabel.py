"""One dataset's classes renamed into another's label set, so that two datasets train one model.

A mapping is a table shipped in ``gaugan/data/labels/<source>-to-<target>.csv`` with the columns
``source,target``: every class name of the source label set once, and the target class it becomes
(several may become one: LabelMeFacade's window and door are CamVid's building). An empty target
means the target's don't-care id (LabelMeFacade's "various" holds poles, people and signs alike,
which CamVid tells apart, so it can teach none of them). The source's own don't-care id, if it has
one, becomes the target's.

`RelabelledDataset` wraps a `PairedDataset`: items keep their image and get the label map in
target ids, ``.labels`` is the target label set.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from gaugan.data.errors import DatasetError
from gaugan.labels import LabelSet


def mapping_file(source: str, target: str) -> str:
    return f"{source}-to-{target}.csv"


def label_mapping(source: LabelSet, target: LabelSet) -> np.ndarray:
    """(source.num_classes [+1 with don't care],) int64: target id of each source id, from the shipped table.

    Raises:
        DatasetError: no table for these two label sets, or one that does not name every source
            class exactly once with a target class (or empty, where the target has a don't-care id).
    """
    file = mapping_file(source.dataset, target.dataset)
    try:
        text = resources.files("gaugan.data").joinpath("labels", file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(
            f"no label mapping from {source.dataset!r} to {target.dataset!r} (gaugan/data/labels/{file}): "
            "these two datasets cannot train one model"
        ) from None
    return parse_mapping(text, source, target, file)


def parse_mapping(text: str, source: LabelSet, target: LabelSet, name: str) -> np.ndarray:
    """The lookup table of a ``source,target`` csv text (see `label_mapping`); ``name`` is for messages."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["source", "target"]:
        raise DatasetError(f"{name}: a label mapping needs the columns source,target (got {reader.fieldnames})")
    target_ids = {n: i for i, n in enumerate(target.names)}
    lookup: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        src, dst = (row.get("source") or "").strip(), (row.get("target") or "").strip()
        if src not in source.names:
            raise DatasetError(f"{name} line {line}: {src!r} is not a {source.dataset} class")
        if src in lookup:
            raise DatasetError(f"{name} line {line}: {src!r} is mapped twice")
        if not dst:
            if not target.dontcare:
                raise DatasetError(f"{name} line {line}: {src!r} has no target, and {target.dataset} has no don't-care id")
            lookup[src] = target.num_classes
        elif dst in target_ids:
            lookup[src] = target_ids[dst]
        else:
            raise DatasetError(f"{name} line {line}: {dst!r} is not a {target.dataset} class")
    missing = [n for n in source.names if n not in lookup]
    if missing:
        raise DatasetError(f"{name}: no target for the {source.dataset} classes {', '.join(missing)}")
    ids = [lookup[n] for n in source.names]
    if source.dontcare:
        if not target.dontcare:
            raise DatasetError(f"{name}: {source.dataset}'s don't-care pixels need a don't-care id in {target.dataset}")
        ids.append(target.num_classes)
    return np.asarray(ids, dtype=np.int64)


class RelabelledDataset(Dataset):
    """``dataset``'s items with their (H, W) ``label`` in ``target`` ids; ``.labels`` is ``target``.

    Args:
        dataset: items with an int64 ``label`` in the source label set's ids (``dataset.labels``).
        target: the label set to train in.
        indices: the source items to keep (all when None), e.g. those of the training aspect ratio.
    """

    def __init__(self, dataset: Dataset, target: LabelSet, indices: list[int] | None = None) -> None:
        if target.instance:
            raise DatasetError(f"{target.dataset} uses instance maps, which a relabelled {dataset.labels.dataset} dataset does not have")
        self.dataset = dataset
        self.labels = target
        self.lookup = torch.from_numpy(label_mapping(dataset.labels, target))
        self.indices = list(range(len(dataset))) if indices is None else list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> dict[str, Any]:
        item = dict(self.dataset[self.indices[index]])
        item["label"] = self.lookup[item["label"]]
        item.pop("instance", None)
        return item
