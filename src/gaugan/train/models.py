"""Model configs for a training run, derived from the TrainConfig and the dataset's label set."""

from __future__ import annotations

from typing import Any

from gaugan.labels import LabelSet
from gaugan.models import config as model_config
from gaugan.train.config import TrainConfig


def generator_config(config: TrainConfig, labels: LabelSet) -> Any:
    common = dict(semantic_channels=labels.semantic_channels, ngf=config.ngf, init_gain=config.init_gain)
    if config.generator == "oasis":
        return model_config.OASISGeneratorConfig(
            **common, num_res_blocks=config.oasis_g_blocks, z_dim=config.noise_dim, norm=config.norm,
            spade_kernel_size=config.spade_kernel_size, spade_hidden=config.spade_hidden, width=config.crop_size,
            aspect_ratio=config.aspect_ratio,
        )
    if config.generator == "pix2pixhd":
        return model_config.Pix2PixHDGeneratorConfig(**common)
    decoder = dict(
        common,
        num_upsampling_layers=config.num_upsampling_layers,
        width=config.crop_size,
        aspect_ratio=config.aspect_ratio,
        norm=config.norm,
        spade_kernel_size=config.spade_kernel_size,
        spade_hidden=config.spade_hidden,
        use_vae=config.use_vae,
        z_dim=config.z_dim,
    )
    if config.generator == "spade":
        return model_config.SPADEGeneratorConfig(**decoder)
    if config.generator == "concat":
        return model_config.ConcatGeneratorConfig(**decoder)
    if config.generator == "clade":
        clade = getattr(model_config, "CLADEGeneratorConfig", None)
        if clade is None:
            raise ValueError("this gaugan build has no CLADE generator")
        # The trailing channel is the instance-edge map only when the label set has one.
        return clade(**decoder, edge_channel=labels.instance)
    raise ValueError(f"unknown generator {config.generator!r}")


def discriminator_config(config: TrainConfig, labels: LabelSet) -> Any:
    if config.discriminator == "oasis":
        # The paper's widths for ndf 64: 128, 128, 256, 256, 512, 512 (x ndf / 64).
        widths = (3,) + tuple(m * config.ndf for m in (2, 2, 4, 4, 8, 8, 8, 8))[: config.oasis_d_blocks]
        return model_config.OASISDiscriminatorConfig(
            num_classes=labels.num_classes + int(labels.dontcare), channels=widths, num_res_blocks=config.oasis_d_blocks,
            last_channels=config.ndf, init_gain=config.init_gain,
        )
    return model_config.MultiscaleDiscriminatorConfig(
        input_channels=labels.semantic_channels + 3,
        ndf=config.ndf,
        n_layers=config.n_layers_d,
        num_d=config.num_d,
        init_gain=config.init_gain,
    )


def encoder_config(config: TrainConfig) -> model_config.ConvEncoderConfig | None:
    if not config.use_vae:
        return None
    if config.generator == "pix2pixhd":
        raise ValueError("the style encoder (use_vae) needs a decoder generator (spade, clade or concat)")
    # The paper's encoder sees 256x256; smaller crops use a shallower encoder at the crop size.
    size = 256 if config.crop_size >= 256 else 1 << (config.crop_size.bit_length() - 1)
    return model_config.ConvEncoderConfig(ndf=config.ngf, z_dim=config.z_dim, input_size=max(size, 8), init_gain=config.init_gain)


# Fields that change model shapes or the meaning of the weights: a resumed run must agree on them.
MODEL_FIELDS = (
    "generator", "ngf", "ndf", "num_upsampling_layers", "norm", "spade_kernel_size", "spade_hidden",
    "use_vae", "z_dim", "num_d", "n_layers_d", "crop_size", "aspect_ratio", "dataset", "instances",
    "discriminator", "noise_dim", "oasis_g_blocks", "oasis_d_blocks",
)
