"""Does a reference photo set the light? Each real frame relit (darker, as is, brighter) is the
reference for its own layout; the pictures should follow.

For every real frame x with layout l and exposure factor f in ``EXPOSURES``: the reference
r_f = relight(x, f) (`gaugan.photo_light.relight`, exposure only, clipped), its mean brightness
b(r_f), and the brightness of the picture painted in its style, b(G(l, E(r_f))) (the encoder's mean
code; brightness = mean of the three channels in 0..255). The score is the slope of picture
brightness on reference brightness within each frame (least squares over the frames' deviations
from their own means): 1 = the picture takes the reference's light, 0 = it ignores it (a collapsed
encoder, or a generator that reads the light off the layout), below 0 = the wrong way.

Unlike the rolled-frame reference style (eval/reference_style.py), this needs no frames of another
light in the data: on one-sequence data (CamVid val is one drive in one light) every other frame's
style is the same, but a relit frame's is not.
"""

from __future__ import annotations

import torch

from gaugan.photo_light import relight

# Exposure factors of the references: x0.6, as shot, x1.5 (about -0.74 and +0.58 stops).
EXPOSURES = (0.6, 1.0, 1.5)


def brightness(pictures: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) pictures in [-1, 1] -> (N,) mean of all channels in 0..255."""
    return (pictures.float().flatten(1).mean(1) + 1) * 127.5


def relit_references(real: torch.Tensor) -> list[torch.Tensor]:
    """(N, 3, H, W) real frames in [-1, 1] -> one (N, 3, H, W) batch of references per exposure; at
    exposure 1 the frames themselves (not a copy), so that a caller can reuse what it already made of them."""
    return [real if exposure == 1 else relight(real, exposure) for exposure in EXPOSURES]


class ReferenceLight:
    """Accumulates (reference, picture) brightness per frame and exposure over batches."""

    def __init__(self) -> None:
        self.references: list[torch.Tensor] = []  # (N, E) per batch
        self.pictures: list[torch.Tensor] = []

    def add(self, references: list[torch.Tensor], pictures: list[torch.Tensor]) -> None:
        """One (N, 3, H, W) batch of references and of the pictures painted in their styles per exposure."""
        if len(references) != len(EXPOSURES) or len(pictures) != len(EXPOSURES):
            raise ValueError(f"expected {len(EXPOSURES)} exposures, got {len(references)} references and {len(pictures)} pictures")
        self.references.append(torch.stack([brightness(r) for r in references], 1))
        self.pictures.append(torch.stack([brightness(p) for p in pictures], 1))

    def levels(self) -> tuple[list[float], list[float]] | None:
        """(mean reference brightness, mean picture brightness) per exposure; None before any batch."""
        if not self.references:
            return None
        return torch.cat(self.references).mean(0).tolist(), torch.cat(self.pictures).mean(0).tolist()

    def slope(self) -> float | None:
        """Within-frame least-squares slope of picture on reference brightness; None before any batch
        or when no reference changed (every frame black or saturated)."""
        if not self.references:
            return None
        references, pictures = torch.cat(self.references).double(), torch.cat(self.pictures).double()
        references = references - references.mean(1, keepdim=True)  # (frames, E): each frame about its own mean
        pictures = pictures - pictures.mean(1, keepdim=True)
        spread = float((references * references).sum())
        return float((references * pictures).sum()) / spread if spread > 0 else None
