"""`AddedLinear`: a linear layer added to a trained model, starting at zero and learning faster.

Zero weights (and bias) make it the identity of whatever it is added to, so weights trained without
it load unchanged (`gaugan.models.added_layers`). Its output is its weights' times ``multiplier``, a
learning-rate multiplier: Adam moves a weight by about the learning rate per step whatever the
gradient's scale, and at the generator's and encoder's rate (1e-4) such layers had not grown past a
random walk's size in 600-700 steps of the streets model's runs (docs/streets-log.md, "A style tone",
"The encoder's light statistics"). The state dict holds ``weight`` [and ``bias``] as nn.Linear's.
"""

from __future__ import annotations

import torch
import torch.nn as nn


class AddedLinear(nn.Linear):
    """(..., in_features) -> (..., out_features): ``multiplier`` x Linear, zero at the start."""

    def __init__(self, in_features: int, out_features: int, multiplier: float, bias: bool = True) -> None:
        super().__init__(in_features, out_features, bias=bias)
        self.multiplier = multiplier
        nn.init.zeros_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) * self.multiplier
