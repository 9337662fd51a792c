"""Model configs for a training run, derived from the TrainConfig and the dataset's label set."""

from __future__ import annotations

from typing import Any

from gaugan.labels import LabelSet
from gaugan.models import config as model_config
from gaugan.models.registry import TRAINABLE
from gaugan.train.config import TrainConfig


def generator_config(config: TrainConfig, labels: LabelSet) -> Any:
    """The generator config of the registered type named by ``config.generator``."""
    return TRAINABLE["generator"][config.generator].from_training(config, labels)


def discriminator_config(config: TrainConfig, labels: LabelSet) -> Any:
    """The discriminator config of the registered type named by ``config.discriminator``."""
    return TRAINABLE["discriminator"][config.discriminator].from_training(config, labels)


def encoder_config(config: TrainConfig) -> model_config.ConvEncoderConfig | None:
    if not config.use_vae:
        return None
    if config.generator == "pix2pixhd":
        raise ValueError("the style encoder (use_vae) needs a decoder generator (spade, clade or concat)")
    # The paper's encoder sees 256x256; smaller crops use a shallower encoder at the crop size.
    size = 256 if config.crop_size >= 256 else 1 << (config.crop_size.bit_length() - 1)
    if config.encoder_input_size is not None:
        size = config.encoder_input_size
    return model_config.ConvEncoderConfig(ndf=config.ngf, z_dim=config.z_dim, input_size=max(size, 8), init_gain=config.init_gain,
                                          light_statistics=config.encoder_light_statistics)


# Fields that change model shapes or the meaning of the weights: a resumed run must agree on them.
MODEL_FIELDS = (
    "generator", "ngf", "ndf", "num_upsampling_layers", "norm", "spade_kernel_size", "spade_hidden",
    "use_vae", "z_dim", "style_tone", "encoder_input_size", "encoder_light_statistics", "num_d", "n_layers_d", "crop_size", "aspect_ratio", "dataset", "instances",
    "discriminator", "noise_dim", "oasis_g_blocks", "oasis_d_blocks",
)
