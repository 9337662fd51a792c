"""Spectral normalisation (Miyato et al. 2018), switchable per model.

We use `torch.nn.utils.parametrizations.spectral_norm`: the learned tensor is stored as
``<layer>.parametrizations.weight.original`` with its power-iteration vectors ``_u``/``_v``.
"""

from __future__ import annotations

import torch.nn as nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm


def spectral(layer: nn.Module, enabled: bool = True) -> nn.Module:
    """Return ``layer`` with spectral norm on its weight when ``enabled`` (in place)."""
    return spectral_norm(layer) if enabled else layer


def spectral_norm_enabled(layer: nn.Module) -> bool:
    return parametrize.is_parametrized(layer, "weight")
