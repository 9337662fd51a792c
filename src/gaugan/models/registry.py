"""Every model type registered once: its config class, its module, its fast CPU class, its latent.

`build_model`, `config_from_dict`, the Synthesizer's backend choice, `GauGAN.latent_dim` and the
training run's ``generator`` / ``discriminator`` switches read this table; a new generator is its
file (module + config with ``from_training``) plus one `ModelType` line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
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
)
from gaugan.models.discriminator import MultiscaleDiscriminator
from gaugan.models.encoder import ConvEncoder
from gaugan.models.generator import SPADEGenerator
from gaugan.models.oasis_discriminator import OASISDiscriminator, OASISDiscriminatorConfig
from gaugan.models.oasis_generator import OASISGenerator, OASISGeneratorConfig
from gaugan.models.pix2pixhd import Pix2PixHDGenerator


def _no_latent(config: Any) -> int:
    return 0


def _style_code(config: Any) -> int:
    """Decoder generators take a style code z only when trained with the encoder."""
    return config.z_dim if config.use_vae else 0


def _noise_vector(config: Any) -> int:
    """OASIS draws its 3D noise from a z_dim vector per picture (0: no noise)."""
    return config.z_dim


@dataclass(frozen=True)
class ModelType:
    """config: the dataclass (its ``model_type`` tags it in JSON); module: what it builds;
    fast: "module:Class" of the folded CPU generator (imported when used: gaugan.fast imports
    gaugan.models), None when there is none; latent: config -> length of the per-picture z;
    trains_as: ("generator" | "discriminator", the TrainConfig value that selects it), built by
    ``config.from_training(train_config, labels)``; None for types a run does not pick by name;
    onnx: "module:Class" of its ONNX graph (generators), or a sentence starting "no:" saying why
    it has none."""

    config: type
    module: type[nn.Module]
    fast: str | None = None
    latent: Callable[[Any], int] = _no_latent
    trains_as: tuple[str, str] | None = None
    onnx: str | None = None


_ONE_HOT_GRAPH = "gaugan.export.graphs:OneHotGraph"  # one-hot built in the graph, then the module
MODEL_TYPES: tuple[ModelType, ...] = (
    ModelType(SPADEGeneratorConfig, SPADEGenerator, "gaugan.fast:FastSPADEGenerator", _style_code, ("generator", "spade"),
              onnx="gaugan.export.graphs:LookupSPADEGraph"),
    ModelType(CLADEGeneratorConfig, CLADEGenerator, "gaugan.fast:FastCLADEGenerator", _style_code, ("generator", "clade"),
              onnx=_ONE_HOT_GRAPH),
    ModelType(ConcatGeneratorConfig, ConcatGenerator, latent=_style_code, trains_as=("generator", "concat"), onnx=_ONE_HOT_GRAPH),
    ModelType(Pix2PixHDGeneratorConfig, Pix2PixHDGenerator, trains_as=("generator", "pix2pixhd"), onnx=_ONE_HOT_GRAPH),
    ModelType(OASISGeneratorConfig, OASISGenerator, latent=_noise_vector, trains_as=("generator", "oasis"),
              onnx="no: their 3D noise would become a random op inside the graph, so seeds could not pick pictures"),
    ModelType(ConvEncoderConfig, ConvEncoder),
    ModelType(MultiscaleDiscriminatorConfig, MultiscaleDiscriminator, trains_as=("discriminator", "multiscale")),
    ModelType(OASISDiscriminatorConfig, OASISDiscriminator, trains_as=("discriminator", "oasis")),
)
# Exact types: CLADE's and Concat's configs subclass SPADE's, and must not be taken for it.
_BY_CONFIG = {entry.config: entry for entry in MODEL_TYPES}
CONFIG_TYPES: dict[str, type] = {entry.config.model_type: entry.config for entry in MODEL_TYPES}
# role -> {TrainConfig value -> config class}, e.g. TRAINABLE["generator"]["clade"].
TRAINABLE: dict[str, dict[str, type]] = {}
for _entry in MODEL_TYPES:
    if _entry.trains_as is not None:
        TRAINABLE.setdefault(_entry.trains_as[0], {})[_entry.trains_as[1]] = _entry.config


def model_type_of(config: Any) -> ModelType:
    """The registered type of a config (``TypeError`` naming an unregistered one)."""
    try:
        return _BY_CONFIG[type(config)]
    except KeyError:
        raise TypeError(f"no model registered for config of type {type(config).__name__}") from None


def _imported(path: str) -> type:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def onnx_graph_class(generator: nn.Module) -> type:
    """The ONNX graph class for ``generator``'s registered type; ValueError saying why there is none."""
    entry = model_type_of(generator.config)
    if entry.onnx is None or entry.onnx.startswith("no:"):
        why = entry.onnx[3:].strip() if entry.onnx else "no graph is registered for them"
        name = type(generator).__name__.removesuffix("Generator")
        raise ValueError(
            f"{name} generators are not exported to ONNX: {why}; use the torch backend (gaugan synthesize / serve run it)"
        )
    return _imported(entry.onnx)


def fast_class(generator: nn.Module) -> type | None:
    """The fast CPU class for ``generator`` (exactly its registered module type), or None."""
    entry = _BY_CONFIG.get(type(getattr(generator, "config", None)))
    if entry is None or entry.fast is None or type(generator) is not entry.module:
        return None
    return _imported(entry.fast)
