"""A trained GauGAN as a directory: ``config.json`` + ``generator.safetensors`` [+ ``encoder.safetensors``]
+ ``checksums.json`` (their SHA-256, verified on load).

``config.json`` holds the model configs and the label metadata (class names, colours, don't-care,
instance channel), so a checkpoint is usable without knowing which dataset it came from, and, where
it is not 1, the ``truncation`` that seeds draw style codes at (`GauGAN.prior_codes`).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from gaugan import __version__
from gaugan.labels import LabelSet
from gaugan.models.config import ConvEncoderConfig, OASISGeneratorConfig, SPADEGeneratorConfig, config_to_dict
from gaugan.models.encoder import ConvEncoder, reparameterize
from gaugan.models.factory import build_model
from gaugan.models.registry import model_type_of
from gaugan.models.checksums import CHECKSUMS_FILE, verify_checksums, write_checksums
from gaugan.models.weights import CheckpointError, load_weights, save_weights

CONFIG_FILE = "config.json"
GENERATOR_FILE = "generator.safetensors"
ENCODER_FILE = "encoder.safetensors"
FORMAT_NAME = "gaugan-checkpoint"
FORMAT_VERSION = 1

__all__ = ["GauGAN", "CheckpointError", "load_weights", "save_weights"]


class GauGAN(nn.Module):
    """Generator (+ optional style encoder) + label metadata: everything needed to synthesise.

    Args:
        generator: a generator module whose ``config.semantic_channels`` equals
            ``labels.semantic_channels``.
        labels: the label space.
        encoder: optional `ConvEncoder`; requires a generator built with ``use_vae=True``.
        truncation: the standard deviation that seeds draw the latent from (`prior_codes`): 1 is
            the prior the model was trained with; less keeps seeds nearer the codes the model
            paints most often (BigGAN's truncation trick), at the cost of less different seeds.
    """

    def __init__(self, generator: nn.Module, labels: LabelSet, encoder: ConvEncoder | None = None,
                 truncation: float = 1.0) -> None:
        super().__init__()
        self.truncation = truncation
        config = generator.config
        if config.semantic_channels != labels.semantic_channels:
            raise CheckpointError(
                f"generator expects {config.semantic_channels} semantic channels but the label set gives "
                f"{labels.semantic_channels} ({labels.num_classes} classes + don't-care {labels.dontcare} "
                f"+ instance {labels.instance})"
            )
        if encoder is not None:
            if not getattr(config, "use_vae", False):
                raise CheckpointError("an encoder needs a generator built with use_vae=True")
            if encoder.config.z_dim != config.z_dim:
                raise CheckpointError(f"encoder z_dim {encoder.config.z_dim} != generator z_dim {config.z_dim}")
        self.generator = generator
        self.encoder = encoder
        self.labels = labels

    @property
    def truncation(self) -> float:
        return self._truncation

    @truncation.setter
    def truncation(self, value: float) -> None:
        self._truncation = check_truncation(value)

    @torch.no_grad()
    def encode_style(self, image: torch.Tensor, sample: bool = False) -> torch.Tensor:
        """(N, 3, H, W) style image in [-1, 1] -> (N, z_dim) code (the mean unless ``sample``)."""
        if self.encoder is None:
            raise ValueError("this model has no style encoder (it was trained without one)")
        mu, logvar = self.encoder(image)
        return reparameterize(mu, logvar) if sample else mu

    @property
    def takes_noise(self) -> bool:
        """Whether pictures depend on a random draw (a style code z, or OASIS' 3D noise): seeds matter."""
        return self.latent_dim > 0

    def prior_codes(self, count: int, generator: torch.Generator | None = None, device: torch.device | str | None = None,
                    dtype: torch.dtype = torch.float32, truncation: float | None = None) -> torch.Tensor:
        """(count, latent_dim) latents for seeds: N(0, t^2 I), drawn on ``generator``'s device, where t is
        ``truncation`` for this draw, else the model's.

        At truncation 1 these are the very numbers the generators draw for themselves.
        """
        scale = self.truncation if truncation is None else check_truncation(truncation)
        draw_device = generator.device if generator is not None else device
        codes = torch.randn(count, self.latent_dim, generator=generator, device=draw_device, dtype=dtype) * scale
        return codes.to(device) if device is not None else codes

    def forward(self, semantics: torch.Tensor, z: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """(N, C_sem, H, W) semantic input [+ (N, z_dim) latent] -> (N, 3, H, W) in [-1, 1].

        The latent is the style code of encoder models, or OASIS' noise vector (broadcast over the
        map, as OASIS draws it); when ``z`` is None it is drawn by `prior_codes` on ``generator``.
        """
        if z is None and self.takes_noise:
            z = self.prior_codes(semantics.size(0), generator, semantics.device, semantics.dtype)
        config = self.generator.config
        # Models with a latent have their z by now, so the generators draw nothing themselves.
        if getattr(config, "use_vae", False):
            return self.generator(semantics, z=z)
        if isinstance(config, OASISGeneratorConfig) and config.z_dim:
            if z.shape != (semantics.size(0), config.z_dim):
                raise ValueError(f"z must have shape ({semantics.size(0)}, {config.z_dim}), got {tuple(z.shape)}")
            return self.generator(semantics, noise=z.to(semantics.dtype)[:, :, None, None].expand(-1, -1, *semantics.shape[-2:]))
        if z is not None:
            raise ValueError("this generator takes no latent z")
        return self.generator(semantics)

    @property
    def latent_dim(self) -> int:
        """Length of the per-image latent z (style code or noise vector); 0 when pictures are deterministic."""
        return model_type_of(self.generator.config).latent(self.generator.config)

    # ---- persistence -------------------------------------------------------------------------
    def config_dict(self) -> dict[str, Any]:
        config = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "gaugan_version": __version__,
            "labels": self.labels.to_dict(),
            "generator": config_to_dict(self.generator.config),
            "encoder": config_to_dict(self.encoder.config) if self.encoder is not None else None,
        }
        if self.truncation != 1.0:  # only then: checkpoints at the prior keep the files they always had
            config["truncation"] = self.truncation
        return config

    def save_pretrained(self, directory: str | Path, dtype: torch.dtype | None = None) -> Path:
        """Write config.json and safetensors weights into ``directory`` (created if needed).

        ``dtype=torch.float16`` halves the files (the embedded default model is stored so);
        loading casts back to float32.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # An old list must not outlive the files it describes if this save is cut short.
        (directory / CHECKSUMS_FILE).unlink(missing_ok=True)
        save_weights(self.generator, directory / GENERATOR_FILE, {"gaugan_model": "generator"}, dtype)
        if self.encoder is not None:
            save_weights(self.encoder, directory / ENCODER_FILE, {"gaugan_model": "encoder"}, dtype)
        else:
            (directory / ENCODER_FILE).unlink(missing_ok=True)
        # config.json last: a directory with a config is a complete checkpoint; then its checksums.
        write_json_atomic(directory / CONFIG_FILE, self.config_dict())
        write_checksums(directory, [CONFIG_FILE, GENERATOR_FILE] + ([ENCODER_FILE] if self.encoder is not None else []))
        return directory

    @classmethod
    def from_pretrained(cls, directory: str | Path, device: str | torch.device = "cpu") -> "GauGAN":
        """Load a checkpoint directory written by `save_pretrained` (in eval mode).

        Its ``checksums.json``, when it has one, is verified first (`DamagedCheckpoint` names a
        damaged file).
        """
        directory = Path(directory)
        config = read_checkpoint_config(directory)
        verify_checksums(directory)
        try:
            generator = build_model(config["generator"])
            encoder = build_model(config["encoder"]) if config.get("encoder") else None
            labels = LabelSet.from_dict(config["labels"])
            truncation = check_truncation(config.get("truncation", 1.0))
        except (ValueError, TypeError, KeyError) as err:
            raise CheckpointError(f"{directory / CONFIG_FILE}: {err}") from None
        if not isinstance(generator.config, SPADEGeneratorConfig) and encoder is not None:
            raise CheckpointError(f"{directory / CONFIG_FILE}: only SPADE generators take an encoder")
        if encoder is not None and not isinstance(encoder.config, ConvEncoderConfig):
            raise CheckpointError(f"{directory / CONFIG_FILE}: 'encoder' is not an encoder config")
        load_weights(generator, directory / GENERATOR_FILE)
        if encoder is not None:
            load_weights(encoder, directory / ENCODER_FILE)
        model = cls(generator, labels, encoder, truncation)
        return model.to(device).eval()


def check_truncation(value: Any) -> float:
    """A truncation as a float: finite and >= 0 (0: every seed paints with the mean code)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"truncation must be a finite number >= 0 (1 = the prior), got {value!r}")
    return float(value)


def read_checkpoint_config(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise CheckpointError(f"checkpoint directory not found: {directory}")
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{directory} is not a gaugan checkpoint: it has no {CONFIG_FILE}")
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{path} is not a gaugan checkpoint config (no \"format\": \"{FORMAT_NAME}\")")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has format version {config['format_version']}; this gaugan reads up to {FORMAT_VERSION}"
        )
    for key in ("labels", "generator"):
        if key not in config:
            raise CheckpointError(f"{path} is missing the field {key!r}")
    return config


def write_json_atomic(path: Path, data: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
