"""Does a reference photo set the style? A layout painted in its own frame's style against the same
layout painted in another frame's style, both compared with the real frame.

For every real frame x with layout l in a batch: |G(l, E(x)) - x| (the encoder's mean code of x
itself) and |G(l, E(x')) - x| (the code of another frame x' of the same batch, half a batch away),
mean absolute pixel difference in 0..255. An encoder that passes a frame's light and colours brings
its own picture closer to it than a picture in someone else's style; a collapsed one (every code at
the prior's centre) paints both alike, so ``closer`` = 1 - own / other is 0. Frames of one video
sequence (CamVid val) share much of their style, so the gain there is a lower bound.
"""

from __future__ import annotations

import torch

from gaugan.eval.diversity import picture_distance


def other_codes(codes: torch.Tensor) -> torch.Tensor:
    """(N, z_dim) codes -> each picture gets the code of the one half a batch away (N >= 2)."""
    return codes.roll(codes.size(0) // 2, dims=0)


class ReferenceStyle:
    """Accumulates the two distances over batches; batches of one picture have no other frame."""

    def __init__(self) -> None:
        self.own = 0.0
        self.other = 0.0
        self.count = 0

    def add(self, own_style: torch.Tensor, other_style: torch.Tensor, real: torch.Tensor) -> None:
        """(N, 3, H, W) pictures in the frames' own styles, in other frames' styles, and the real frames."""
        self.own += float(picture_distance(own_style, real).sum())
        self.other += float(picture_distance(other_style, real).sum())
        self.count += real.size(0)

    def distances(self) -> tuple[float, float] | None:
        """(own, other) mean distances in 0..255, None before any batch of two or more."""
        return (self.own / self.count, self.other / self.count) if self.count else None
