"""The OASIS generator: SPADE's decoder conditioned on the label map and a 3D noise map.

Schönfeld et al. (ICLR 2021) drop SPADE's image encoder and VGG loss and get multi-modal
synthesis from noise instead: a ``z_dim``-channel noise map (64) is concatenated to the one-hot
label map, and that (z_dim + C)-channel tensor is everything the generator is conditioned on,
both at its input (a 3x3 conv on it, nearest-downsampled to the start size) and in every SPADE
layer (which resizes it to its own resolution). Since the noise is a map, not a vector, it can
differ between regions: `resample_class_noise` redraws it inside one class only, the paper's
local edits (its Fig. 1 and 7), without touching the noise elsewhere.

How local such an edit is depends on the norm's statistics. With running statistics (batch /
sync-batch norm in eval mode) every layer is local, and a noise change inside a class changes
the output only within 6f - 1 pixels of the class, f = 2**(num_res_blocks - 1) the start-map
cell size, for 3x3 SPADE convs and a class border on the start-map grid: after the input conv and
the first block the change reaches 4 cells (4f px; SPADE's two convs on the noise reach 2 cells,
the block's two convs 2 more), each later block adds two of its own cells (2f/2 + 2f/4 + ... + 2
= 2f - 2 px), the RGB conv 1 px. For the paper's six blocks that is 191 px, so at 256x256 nothing
is guaranteed untouched, though the change fades with distance (tests/models/test_oasis.py checks the
bound and that it is tight). With batch statistics (training) or instance norm the statistics
move too, and the whole image changes.

Blocks (official ``OASIS_Generator``, ngf = channels_G = 64): six SPADE residual blocks
16->16, 16->16, 16->8, 8->4, 4->2, 2->1 x ngf, a nearest x2 upsampling after each but the last,
so the start map is H/32 x W/32 (8x8 at 256x256, 8x16 for 256x512 Cityscapes); then LReLU(0.2),
conv3x3 -> 3, tanh. One 16->16 block fewer than SPADE's (`SPADEGenerator` has head_0,
G_middle_0, G_middle_1). Spectral norm on the residual blocks' convs, parameter-free sync batch
norm in SPADE, as the official defaults.

The official forward ignores a noise argument and always draws one N(0, I) vector of z_dim per
image, broadcast over space; this one takes the noise map as an argument (drawn the same way
when None), so that seeds are reproducible and the map can be edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.nn.blocks import LRELU_SLOPE, SPADEResnetBlock
from gaugan.nn.init import init_glorot
from gaugan.nn.norms import NORM_TYPES


@dataclass
class OASISGeneratorConfig:
    """The OASIS generator (paper Sec. 3.2, official ``OASIS_Generator``).

    Attributes:
        semantic_channels: C, channels of the semantic input: one-hot classes + don't-care
            (+ instance edge, which the official code does not use). Official: ADE20K 151,
            Cityscapes 35, COCO-Stuff 183.
        ngf: base width (official ``channels_G`` 64); blocks run 16, 16, 16, 8, 4, 2, 1 x ngf.
        num_res_blocks: SPADE residual blocks (official 6, for all three datasets); the start map
            is the input / 2**(num_res_blocks - 1). Other values keep the last four blocks
            16->8->4->2->1 x ngf and vary the number of 16->16 blocks in front (the official
            code only runs with 6).
        z_dim: channels of the 3D noise map (64); 0 turns the noise off (official ``--no_3dnoise``).
        norm: SPADE's parameter-free norm, "syncbatch" | "batch" | "instance".
        spade_kernel_size: 1, 3 or 5 (official ``spade_ks`` 3).
        spade_hidden: channels of SPADE's shared conv (128).
        spectral_norm: spectral norm on every residual-block conv (official default).
        init_gain: gain of the Glorot-normal initialisation (official 0.02).
        width, aspect_ratio: the size it was trained at (``output_size``), which label maps are
            resized to for synthesis; the network itself runs at any multiple of its start cell.
    """

    model_type: ClassVar[str] = "oasis_generator"

    semantic_channels: int = 151
    ngf: int = 64
    num_res_blocks: int = 6
    z_dim: int = 64
    norm: str = "syncbatch"
    spade_kernel_size: int = 3
    spade_hidden: int = 128
    spectral_norm: bool = True
    init_gain: float = 0.02
    width: int = 256
    aspect_ratio: float = 1.0

    @property
    def output_size(self) -> tuple[int, int]:
        """(H, W) of the training pictures."""
        return round(self.width / self.aspect_ratio), self.width

    @classmethod
    def from_training(cls, train: Any, labels: Any) -> "OASISGeneratorConfig":
        return cls(
            semantic_channels=labels.semantic_channels, ngf=train.ngf, init_gain=train.init_gain,
            num_res_blocks=train.oasis_g_blocks, z_dim=train.noise_dim, norm=train.norm,
            spade_kernel_size=train.spade_kernel_size, spade_hidden=train.spade_hidden, width=train.crop_size,
            aspect_ratio=train.aspect_ratio,
        )

    def __post_init__(self) -> None:
        if self.num_res_blocks < 4:
            raise ValueError(f"num_res_blocks must be at least 4 (16->8->4->2->1 x ngf), got {self.num_res_blocks}")
        if self.z_dim < 0:
            raise ValueError(f"z_dim must be >= 0 (0: no noise), got {self.z_dim}")
        if self.norm not in NORM_TYPES:
            raise ValueError(f"norm must be one of {', '.join(NORM_TYPES)}, got {self.norm!r}")

    @property
    def widths(self) -> tuple[int, ...]:
        """Channels of the start map, then of each block's output: 16, 16, 16, 8, 4, 2, 1 x ngf."""
        multipliers = (16,) * (self.num_res_blocks - 3) + (8, 4, 2, 1)
        return tuple(m * self.ngf for m in multipliers)

    @property
    def upsamplings(self) -> int:
        return self.num_res_blocks - 1

    @property
    def condition_channels(self) -> int:
        """z_dim + C: what the input conv and every SPADE layer see."""
        return self.z_dim + self.semantic_channels


def draw_noise(
    batch: int,
    z_dim: int,
    size: tuple[int, int],
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """The official 3D noise: one N(0, I) vector of z_dim per image, the same at every pixel.

    Returns (batch, z_dim, *size), an expanded view of (batch, z_dim, 1, 1) (clone it before
    writing into it). The vectors are drawn on the generator's device, then moved to ``device``.
    """
    draw_device = generator.device if generator is not None else device
    z = torch.randn(batch, z_dim, 1, 1, generator=generator, device=draw_device, dtype=dtype)
    if device is not None:
        z = z.to(device)
    return z.expand(batch, z_dim, *size)


def resample_class_noise(
    noise: torch.Tensor,
    label_ids: torch.Tensor,
    class_id: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Redraw the noise at the pixels of one class only (the paper's local, per-class resampling).

    Each image gets one new N(0, I) vector, written to every pixel of class ``class_id`` (so the
    class's regions stay spatially uniform, like the globally drawn noise); every other pixel
    keeps its noise exactly. Images without the class are unchanged (a vector is still drawn for
    them, so the RNG stream does not depend on the label map).

    Args:
        noise: (N, z_dim, H, W) noise map, e.g. from `draw_noise`. Not modified.
        label_ids: (N, H, W) or (N, 1, H, W) integer class ids at the noise's resolution.
        class_id: the class whose noise is redrawn.
        generator: RNG for the new vectors.
    Returns:
        (N, z_dim, H, W) new noise map.
    """
    if label_ids.dim() == 4:
        label_ids = label_ids[:, 0]
    n, z_dim, h, w = noise.shape
    if label_ids.shape != (n, h, w):
        raise ValueError(f"label ids {tuple(label_ids.shape)} do not match the noise map {tuple(noise.shape)}")
    fresh = draw_noise(n, z_dim, (h, w), generator, noise.device, noise.dtype)
    inside = (label_ids == class_id).unsqueeze(1).to(noise.device)  # (N, 1, H, W)
    return torch.where(inside, fresh, noise)


class OASISGenerator(nn.Module):
    """OASIS generator: semantics (N, C, H, W) [+ noise (N, z_dim, H, W)] -> (N, 3, H, W) in [-1, 1].

    Module names follow the official code (fc, body.<i>, conv_img) so its weights map one to
    one; the input conv's channels are the noise first, then the semantics, as there.
    """

    def __init__(self, config: OASISGeneratorConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        widths = c.widths
        self.fc = nn.Conv2d(c.condition_channels, widths[0], 3, padding=1)
        self.body = nn.ModuleList(
            SPADEResnetBlock(
                widths[i], widths[i + 1], c.condition_channels, c.norm, c.spade_kernel_size, c.spade_hidden, c.spectral_norm
            )
            for i in range(c.num_res_blocks)
        )
        self.conv_img = nn.Conv2d(widths[-1], 3, 3, padding=1)
        init_glorot(self, config.init_gain)

    def latent_size_for(self, semantics: torch.Tensor) -> tuple[int, int]:
        """Start-map size: the semantic input's size / 2**(num_res_blocks - 1)."""
        factor = 2**self.config.upsamplings
        h, w = semantics.shape[-2:]
        if h % factor or w % factor:
            raise ValueError(
                f"label map size {h}x{w} must be divisible by {factor} (num_res_blocks={self.config.num_res_blocks})"
            )
        return h // factor, w // factor

    def forward(
        self,
        semantics: torch.Tensor,
        noise: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Generate images.

        Args:
            semantics: (N, semantic_channels, H, W) one-hot semantic input.
            noise: (N, z_dim, H, W) noise map; when None, one N(0, I) vector per image broadcast
                over space (`draw_noise`). Must be None when z_dim == 0.
            generator: RNG for that draw (for reproducible seeds).
        Returns:
            (N, 3, H, W) in [-1, 1].
        """
        c = self.config
        if semantics.dim() != 4 or semantics.size(1) != c.semantic_channels:
            raise ValueError(
                f"expected a semantic input of shape (N, {c.semantic_channels}, H, W), got {tuple(semantics.shape)}"
            )
        n, _, h, w = semantics.shape
        start = self.latent_size_for(semantics)
        if c.z_dim:
            if noise is None:
                noise = draw_noise(n, c.z_dim, (h, w), generator, semantics.device, semantics.dtype)
            if noise.shape != (n, c.z_dim, h, w):
                raise ValueError(f"noise must have shape ({n}, {c.z_dim}, {h}, {w}), got {tuple(noise.shape)}")
            condition = torch.cat([noise.to(semantics.dtype), semantics], dim=1)  # (N, z_dim + C, H, W)
        else:
            if noise is not None:
                raise ValueError("this generator takes no noise: it was built with z_dim=0")
            condition = semantics

        x = self.fc(F.interpolate(condition, size=start, mode="nearest"))
        last = len(self.body) - 1
        for i, block in enumerate(self.body):
            x = block(x, condition)
            if i < last:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv_img(F.leaky_relu(x, LRELU_SLOPE))
        return torch.tanh(x)
