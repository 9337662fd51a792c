"""Helpers shared by the model tests (importable because pytest puts tests/ on sys.path)."""

from __future__ import annotations

import torch

from gaugan.labels import LabelSet
from gaugan.models import CLADEGeneratorConfig, SPADEGeneratorConfig
from gaugan.models.factory import build_model
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


def warmed_up(generator: torch.nn.Module, labels: LabelSet, passes: int = 3, seed: int = 100) -> torch.nn.Module:
    """The generator after ``passes`` no-grad train-mode forwards, in eval mode.

    Batch-norm running statistics and spectral-norm u, v vectors are then not at their initial
    values (running mean 0, variance 1; u, v as drawn), so a fast path or an export that ignores
    or mis-folds them gives different pictures and is caught.
    """
    config = generator.config
    h, w = config.output_size
    generator.train()
    with torch.no_grad():
        for i in range(passes):
            semantics = random_semantics(labels, n=2, h=h, w=w, seed=seed + i)
            if getattr(config, "use_vae", False):
                generator(semantics, z=torch.randn(2, config.z_dim))
            else:
                generator(semantics)
    return generator.eval()


def tiny_generator(labels: LabelSet, config_type: type = SPADEGeneratorConfig, warm: bool = True, **overrides) -> torch.nn.Module:
    """A tiny generator (ngf 8, 32 pixels wide) for ``labels``, seeded: warmed up and in eval mode,
    or, with ``warm=False``, as initialised and in train mode."""
    options = dict(semantic_channels=labels.semantic_channels, ngf=8, width=32, spade_hidden=16, init_gain=1.0)
    if config_type is CLADEGeneratorConfig:
        options["edge_channel"] = labels.instance
    options.update(overrides)
    torch.manual_seed(0)
    generator = build_model(config_type(**options))
    return warmed_up(generator, labels) if warm else generator.train()
