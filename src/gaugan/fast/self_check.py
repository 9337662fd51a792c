"""A fast generator checks itself against its reference when it is built.

The fast path (folding, lookups) reads the reference modules' weights by structure, not by calling
them: after an edit to `gaugan.nn.spade.SPADE` or a block, it would silently keep computing the
old function. So `FastDecoderGenerator.from_generator` runs both on one random label map (the
model's own size, every class present in blocks, random extra channels, a random z) and refuses
with `FastPathMismatch` when they differ, as `gaugan export` refuses an ONNX graph that does not
match PyTorch. The check runs in fp32 whatever precision the fast model uses.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.nn.modes import module_mode
from gaugan.semantics import one_hot_labels

# Max |fast - reference|, relative to the reference's largest |output| (clamped to 1e-4..1): 1e-4 for a
# trained model's pictures in [-1, 1]; an untrained one paints ~1e-5 and needs the relative scale.
# Measured differences are ~1e-7 of the scale.
TOLERANCE = 1e-4


class FastPathMismatch(RuntimeError):
    """The fast generator does not compute its reference's function (the reference was edited?)."""


def check_map(config, num_classes: int, num_extras: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(ids (1, H, W), extras (1, E, H, W) | None) at the model's output size: 8x8-pixel blocks of random classes."""
    height, width = config.output_size
    g = torch.Generator().manual_seed(seed)
    coarse = torch.randint(0, num_classes, (1, 1, -(-height // 8), -(-width // 8)), generator=g).float()
    ids = F.interpolate(coarse, scale_factor=8, mode="nearest")[0, :, :height, :width].long()
    extras = (torch.rand(1, num_extras, height, width, generator=g) > 0.8).float() if num_extras else None
    return ids, extras


@torch.no_grad()
def check_fast_path(reference: nn.Module, fast: nn.Module, tolerance: float = TOLERANCE) -> float:
    """Max |fast - reference| on `check_map`; raises `FastPathMismatch` above ``tolerance`` x the output's scale."""
    device = next(reference.parameters()).device
    ids, extras = check_map(reference.config, fast.num_classes, fast.num_extras)
    ids = ids.to(device)
    extras = extras.to(device) if extras is not None else None
    semantics = one_hot_labels(ids, fast.num_classes)
    if extras is not None:
        semantics = torch.cat([semantics, extras], 1)
    z = None
    if reference.config.use_vae:
        z = torch.randn(1, reference.config.z_dim, generator=torch.Generator().manual_seed(1)).to(device)
    with module_mode(reference, training=False):
        expected = reference(semantics, z=z) if z is not None else reference(semantics)
    precision, fast.precision = fast.precision, "fp32"
    try:
        got = fast((ids, extras), z=z)
    finally:
        fast.precision = precision
    difference = float((got - expected).abs().max())
    limit = tolerance * min(1.0, max(1e-4, float(expected.abs().max())))
    if not difference <= limit:  # also catches NaN
        height, width = reference.config.output_size
        raise FastPathMismatch(
            f"the fast {type(reference).__name__} computes another function than the reference: max |fast - reference| = "
            f"{difference:.3g} > {limit:.3g} on a {width}x{height} test map. gaugan/fast/ derives its layers from "
            "gaugan/nn/ and gaugan/models/ by structure; after an edit there, update the fast path (or its fold) to "
            "follow it, or use backend='torch'"
        )
    return difference
