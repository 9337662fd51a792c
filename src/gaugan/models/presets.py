"""Model configs of the paper's datasets, derived from their `gaugan.data.spec.DatasetSpec`.

Semantic channels = classes + don't-care channel + instance-edge channel, read off the label set:
COCO-Stuff 182 + 1 + 1 = 184; ADE20K 150 + 1 = 151; Cityscapes 35 + 1 (edges) = 36;
CMP Facades 12 + 1 (don't care) = 13.
"""

from __future__ import annotations

from dataclasses import dataclass

from gaugan.data.registry import SPECS

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
    name: DatasetPreset(
        semantic_channels=spec.labels().semantic_channels,
        width=spec.crop_size,
        aspect_ratio=spec.aspect_ratio,
        num_upsampling_layers=spec.num_upsampling_layers,
    )
    for name, spec in SPECS.items()
    if spec.paper_model
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
