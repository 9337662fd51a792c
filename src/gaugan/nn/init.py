"""Weight initialisation of the paper's code: Glorot (Xavier) normal with gain 0.02."""

from __future__ import annotations

import torch.nn as nn
from torch.nn.utils import parametrize

from gaugan.nn.spectral import spectral_norm

_WEIGHTED = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


def init_glorot(model: nn.Module, gain: float = 0.02) -> nn.Module:
    """Glorot-normal conv/linear weights (gain ``gain``), zero biases, BN scale ~ N(1, gain).

    Spectrally normalised layers are re-registered after their raw weight is drawn, so the
    power-iteration vectors match the new weight instead of the discarded default one.
    """
    for module in list(model.modules()):
        if isinstance(module, _WEIGHTED):
            was_spectral = parametrize.is_parametrized(module, "weight")
            if was_spectral:
                parametrize.remove_parametrizations(module, "weight", leave_parametrized=False)
            nn.init.xavier_normal_(module.weight, gain=gain)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
            if was_spectral:
                spectral_norm(module)
        elif isinstance(module, nn.modules.batchnorm._BatchNorm) and module.affine:
            nn.init.normal_(module.weight, 1.0, gain)
            nn.init.zeros_(module.bias)
    return model
