"""Start a run at another output size from a pretrained generator: coarse-to-fine training.

A decoder generator's weights do not depend on its output size except in one place: with the
style encoder (``use_vae``), ``fc`` maps z to the first feature map, (16 ngf, sh, sw), whose size is
the output's / 2^upsamplings; without it, ``fc`` is a conv and nothing depends on the size. So a
model trained at 128x96 (start map 3x4) can continue at 256x192 (6x8) and back: ``fc`` is linear
in z, so resizing its weight and bias along the start map's rows and columns gives exactly the
resized start map, resize(fc(z)) = fc'(z), for every z. Down: area averaging; up: bilinear.

This makes the cheap steps count: at a quarter of the pixels a step costs 1/2.3 (bf16) to 1/3.5
(fp32), and the last steps at the full size teach the layers the finer scale (measured on the
streets model: docs/streets-log.md, "Coarse to fine").
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gaugan.models.config import SPADEGeneratorConfig

# Generator-config fields that only set the output size; `init_from` lets them differ.
SIZE_FIELDS = ("width",)


def resize_start_map(weight: torch.Tensor, bias: torch.Tensor, channels: int,
                     source: tuple[int, int], target: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """The z projection of a start map of size ``source`` resized to ``target``.

    Args:
        weight: (channels * sh * sw, z_dim), ``fc.weight`` of the source generator.
        bias: (channels * sh * sw,).
        channels: the start map's channels (16 ngf).
        source, target: (sh, sw) before and after.
    Returns:
        (weight, bias) of shapes (channels * th * tw, z_dim) and (channels * th * tw,), such that
        fc'(z).view(channels, th, tw) == resize(fc(z).view(channels, sh, sw)).
    """
    sh, sw = source
    if weight.shape[0] != channels * sh * sw or bias.shape != (channels * sh * sw,):
        raise ValueError(f"fc of shape {tuple(weight.shape)} / {tuple(bias.shape)} is not a {channels} x {sh} x {sw} start map")
    if tuple(target) == tuple(source):
        return weight.clone(), bias.clone()
    z_dim = weight.shape[1]
    # Stack the bias as one more "z column": the resize is applied to each column's map alike.
    maps = torch.cat([weight, bias[:, None]], dim=1).T.reshape(z_dim + 1, channels, sh, sw).float()
    shrinking = target[0] <= sh and target[1] <= sw
    if shrinking:
        resized = F.interpolate(maps, size=target, mode="area")
    else:
        resized = F.interpolate(maps, size=target, mode="bilinear", align_corners=False)
    columns = resized.reshape(z_dim + 1, -1).T.to(weight.dtype)
    return columns[:, :z_dim].contiguous(), columns[:, z_dim].contiguous()


def generator_state_for_size(state: dict[str, torch.Tensor], source: SPADEGeneratorConfig,
                             target: SPADEGeneratorConfig) -> tuple[dict[str, torch.Tensor], str]:
    """``state`` (a decoder generator's state dict at ``source``'s size) for ``target``'s size.

    Returns the new state dict and a line for the run's log saying what was resized.
    """
    if not target.use_vae:
        return dict(state), f"output width {source.width} -> {target.width}; no weight depends on it (no style encoder)"
    channels = 16 * target.ngf
    weight, bias = resize_start_map(state["fc.weight"], state["fc.bias"], channels, source.latent_size, target.latent_size)
    resized = dict(state)
    resized["fc.weight"], resized["fc.bias"] = weight, bias
    (sh, sw), (th, tw) = source.latent_size, target.latent_size
    how = "area" if th <= sh and tw <= sw else "bilinear"
    return resized, (f"output width {source.width} -> {target.width}: the z projection's start map resized "
                     f"{sh}x{sw} -> {th}x{tw} ({how})")
