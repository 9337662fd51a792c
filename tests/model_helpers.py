"""Helpers shared by the model tests (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

import torch

from gaugan.labels import LabelSet
from gaugan.semantics import semantic_input


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
