"""Model configs of the paper's datasets, as in the official code's dataset options.

Semantic channels = classes + don't-care channel + instance-edge channel:
COCO-Stuff 182 + 1 + 1 = 184; ADE20K 150 + 1 = 151; Cityscapes 35 + 1 (edges) = 36;
CMP Facades 13 (no don't-care, no instances).
"""

from __future__ import annotations

from dataclasses import dataclass

from gaugan.models.config import (
    ConvEncoderConfig,
    MultiscaleDiscriminatorConfig,
    SPADEGeneratorConfig,
)


@dataclass(frozen=True)
class DatasetPreset:
    semantic_channels: int
    width: int = 256
    aspect_ratio: float = 1.0
    num_upsampling_layers: str = "normal"


PRESETS: dict[str, DatasetPreset] = {
    "coco-stuff": DatasetPreset(semantic_channels=184),
    "ade20k": DatasetPreset(semantic_channels=151),
    "ade20k-outdoor": DatasetPreset(semantic_channels=151),
    "cityscapes": DatasetPreset(semantic_channels=36, width=512, aspect_ratio=2.0, num_upsampling_layers="more"),
    "facades": DatasetPreset(semantic_channels=13),
}


def preset_configs(
    name: str, *, use_vae: bool = False, ngf: int = 64, ndf: int = 64
) -> tuple[SPADEGeneratorConfig, MultiscaleDiscriminatorConfig, ConvEncoderConfig | None]:
    """(generator, discriminator, encoder or None) configs for one of `PRESETS`."""
    try:
        preset = PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    generator = SPADEGeneratorConfig(
        semantic_channels=preset.semantic_channels,
        ngf=ngf,
        num_upsampling_layers=preset.num_upsampling_layers,
        width=preset.width,
        aspect_ratio=preset.aspect_ratio,
        use_vae=use_vae,
    )
    discriminator = MultiscaleDiscriminatorConfig(input_channels=preset.semantic_channels + 3, ndf=ndf)
    encoder = ConvEncoderConfig(ndf=ngf) if use_vae else None
    return generator, discriminator, encoder
