"""SPADE model family: generator, encoder, discriminator, the paper's baselines, checkpoints."""

from gaugan.models.clade_generator import CLADEGenerator
from gaugan.models.concat_generator import ConcatGenerator
from gaugan.models.config import (
    CLADEGeneratorConfig,
    ConcatGeneratorConfig,
    ConvEncoderConfig,
    MultiscaleDiscriminatorConfig,
    Pix2PixHDGeneratorConfig,
    SPADEGeneratorConfig,
    config_from_dict,
    config_to_dict,
)
from gaugan.models.discriminator import MultiscaleDiscriminator
from gaugan.models.encoder import ConvEncoder, reparameterize
from gaugan.models.factory import build_model
from gaugan.models.generator import SPADEGenerator
from gaugan.models.oasis_discriminator import OASISDiscriminator, OASISDiscriminatorConfig
from gaugan.models.oasis_generator import OASISGenerator, OASISGeneratorConfig, draw_noise, resample_class_noise
from gaugan.models.pix2pixhd import Pix2PixHDGenerator
from gaugan.models.pretrained import CheckpointError, GauGAN, load_weights, save_weights
from gaugan.models.presets import PRESETS, preset_configs

__all__ = [
    "SPADEGenerator",
    "SPADEGeneratorConfig",
    "ConcatGenerator",
    "ConcatGeneratorConfig",
    "CLADEGenerator",
    "CLADEGeneratorConfig",
    "Pix2PixHDGenerator",
    "Pix2PixHDGeneratorConfig",
    "ConvEncoder",
    "ConvEncoderConfig",
    "reparameterize",
    "MultiscaleDiscriminator",
    "MultiscaleDiscriminatorConfig",
    "OASISGenerator",
    "OASISGeneratorConfig",
    "OASISDiscriminator",
    "OASISDiscriminatorConfig",
    "draw_noise",
    "resample_class_noise",
    "config_to_dict",
    "config_from_dict",
    "build_model",
    "GauGAN",
    "CheckpointError",
    "save_weights",
    "load_weights",
    "PRESETS",
    "preset_configs",
]
