"""Build a model from its config: the one place that maps config types to module classes."""

from __future__ import annotations

from typing import Any

import torch.nn as nn

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
)
from gaugan.models.discriminator import MultiscaleDiscriminator
from gaugan.models.encoder import ConvEncoder
from gaugan.models.generator import SPADEGenerator
from gaugan.models.oasis_discriminator import OASISDiscriminator, OASISDiscriminatorConfig
from gaugan.models.oasis_generator import OASISGenerator, OASISGeneratorConfig
from gaugan.models.pix2pixhd import Pix2PixHDGenerator

# Most specific first: ConcatGeneratorConfig and CLADEGeneratorConfig subclass SPADEGeneratorConfig.
_BUILDERS: list[tuple[type, type]] = [
    (ConcatGeneratorConfig, ConcatGenerator),
    (CLADEGeneratorConfig, CLADEGenerator),
    (SPADEGeneratorConfig, SPADEGenerator),
    (Pix2PixHDGeneratorConfig, Pix2PixHDGenerator),
    (ConvEncoderConfig, ConvEncoder),
    (MultiscaleDiscriminatorConfig, MultiscaleDiscriminator),
    (OASISGeneratorConfig, OASISGenerator),
    (OASISDiscriminatorConfig, OASISDiscriminator),
]


def build_model(config: Any) -> nn.Module:
    """Instantiate the module a config (dataclass or ``config_to_dict`` dict) describes."""
    if isinstance(config, dict):
        config = config_from_dict(config)
    for config_type, module_type in _BUILDERS:
        if type(config) is config_type:
            return module_type(config)
    raise TypeError(f"no model for config of type {type(config).__name__}")
