"""L1 on chroma alone: the colour of a generated picture against the real one it was given the style of.

Why: a camera's colour is smooth and follows the scene, while the fine detail (bare branches against
the sky, a facade's bricks) lives in the brightness. An L1 on RGB pulls both toward the real frame, so
it blurs detail the layout cannot predict; an L1 on the two colour-difference channels charges for
colour that is wrong (the green-magenta speckle of the street model's tree crowns, docs/streets-log.md)
and leaves the brightness to the discriminator.

Chroma is BT.601's Cb and Cr (the colour-difference channels of JPEG and video), on pictures in
[-1, 1]: both are 0 for any grey and span [-1, 1].
"""

from __future__ import annotations

import torch

# Rows: Cb, Cr as weights of R, G, B (ITU-R BT.601, scaled so that each spans [-1, 1] on [-1, 1] RGB).
CHROMA_WEIGHTS = torch.tensor([[-0.168736, -0.331264, 0.5],
                               [0.5, -0.418688, -0.081312]])


def chroma(images: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB pictures in [-1, 1] -> (N, 2, H, W) Cb, Cr in [-1, 1] (0 = grey)."""
    if images.dim() != 4 or images.size(1) != 3:
        raise ValueError(f"expected (N, 3, H, W) RGB pictures, got {tuple(images.shape)}")
    weights = CHROMA_WEIGHTS.to(images.device, images.dtype)
    return torch.einsum("kc,nchw->nkhw", weights, images)


def chroma_l1(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean |chroma(fake) - chroma(real)| over pixels and both channels (a scalar, in fp32)."""
    return (chroma(fake.float()) - chroma(real.float())).abs().mean()
