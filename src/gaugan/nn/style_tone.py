"""`StyleTone`: the style code's direct path to a picture's exposure and colour balance.

A decoder generator makes a picture's overall light through every layer at once. This layer gives z
one linear path to it: a per-picture gain and offset of each output channel, applied to the RGB
logits before tanh, so tanh keeps the picture in [-1, 1] and a brighter tone compresses highlights
instead of clipping them. For a reference photo to set the light through it, the encoder must see
the light: the paper's encoder cannot see exposure or contrast (`gaugan.models.encoder`,
``light_statistics``). Alone, on the embedded street model, it was not used (docs/streets-log.md,
"A style tone").

Zero-initialised, so a model trained without it computes the same function when it is added
(`gaugan.models.added_layers`) and a run can continue from such weights.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from gaugan.nn.added_linear import AddedLinear

# The tone learns this much faster than the generator's other weights (`AddedLinear`): at their rate it
# had not learned anything in 700 steps (rows of norm 0.02).
LEARNING_RATE_MULTIPLIER = 10.0


class StyleTone(nn.Module):
    """(N, 3, H, W) RGB logits, (N, z_dim) z -> logits * exp(gain) + offset, with
    (gain, offset) = `gain_and_offset(z)`, each (N, 3), broadcast over the picture."""

    def __init__(self, z_dim: int) -> None:
        super().__init__()
        self.linear = AddedLinear(z_dim, 6, LEARNING_RATE_MULTIPLIER)

    def gain_and_offset(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, z_dim) z -> (gain, offset), each (N, 3): log gain and offset of the R, G, B logits."""
        gain, offset = self.linear(z).chunk(2, dim=1)
        return gain, offset

    def forward(self, logits: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        gain, offset = (t.to(logits.dtype)[:, :, None, None] for t in self.gain_and_offset(z))
        return logits * torch.exp(gain) + offset
