"""Shared fixtures: tiny model configs (ngf 8-16, 32-64 px) so the suite stays fast on 2 CPU cores."""

from __future__ import annotations

import pytest
import torch

from gaugan.labels import LabelSet
from gaugan.semantics import semantic_input

torch.set_num_threads(2)


@pytest.fixture
def tiny_labels() -> LabelSet:
    """5 classes + don't-care + instance channel = 7 semantic channels."""
    return LabelSet(
        names=("sky", "sea", "mountain", "grass", "tree"),
        colors=((120, 170, 255), (20, 60, 160), (120, 100, 90), (90, 190, 60), (20, 90, 30)),
        dontcare=True,
        instance=True,
        dataset="tiny",
    )


def random_semantics(labels: LabelSet, n: int = 2, h: int = 32, w: int = 32, seed: int = 0) -> torch.Tensor:
    """(n, C, h, w) semantic input of blocky random label and instance maps."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, labels.num_classes + int(labels.dontcare), (n, 1, h // 8, w // 8), generator=g)
    ids = torch.nn.functional.interpolate(ids.float(), size=(h, w), mode="nearest").long()[:, 0]
    inst = None
    if labels.instance:
        inst = torch.randint(0, 3, (n, 1, h // 4, w // 4), generator=g)
        inst = torch.nn.functional.interpolate(inst.float(), size=(h, w), mode="nearest").long()[:, 0]
    return semantic_input(ids, labels, inst)
