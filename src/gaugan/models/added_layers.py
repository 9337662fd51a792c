"""Layers a model may gain when a run continues from weights trained without them (`init_from`).

Each starts as the identity (zero-initialised), so the continued model computes what the source did
until training moves it: the generator's style tone (`gaugan.nn.style_tone`) and the encoder's
light statistics (`gaugan.models.encoder`). A layer is added, never dropped: a run without it refuses
weights that have it, by field.
"""

from __future__ import annotations

import torch
import torch.nn as nn

# Config field -> the state-dict prefix of the layers it adds.
ADDABLE_LAYERS = {"style_tone": "tone.", "light_statistics": "light_"}


def addable_fields(source_config: object) -> tuple[str, ...]:
    """The fields a continuation of ``source_config``'s model may switch on: those it has off."""
    return tuple(field for field in ADDABLE_LAYERS if getattr(source_config, field, None) is False)


def with_added_layers(state: dict[str, torch.Tensor], module: nn.Module) -> dict[str, torch.Tensor]:
    """``state`` (saved without some added layers) plus ``module``'s own, zero, tensors of those layers.

    Returns a new dict; tensors already in ``state`` are kept as they are.
    """
    prefixes = tuple(ADDABLE_LAYERS.values())
    added = {name: tensor for name, tensor in module.state_dict().items() if name.startswith(prefixes) and name not in state}
    return {**state, **added}
