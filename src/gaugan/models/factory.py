"""Build a model from its config (the types are registered in `gaugan.models.registry`)."""

from __future__ import annotations

from typing import Any

import torch.nn as nn

from gaugan.models.config import config_from_dict
from gaugan.models.registry import model_type_of


def build_model(config: Any) -> nn.Module:
    """Instantiate the module a config (dataclass or ``config_to_dict`` dict) describes."""
    if isinstance(config, dict):
        config = config_from_dict(config)
    return model_type_of(config).module(config)
