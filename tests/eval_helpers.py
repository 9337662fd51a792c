"""Tiny models and data for the evaluation tests of encoder models (encoder KL, reference style and light)."""

from __future__ import annotations

import torch
from train_helpers import TOY_LABELS, ToyPairs

from gaugan.models import GauGAN, SPADEGenerator, SPADEGeneratorConfig
from gaugan.models.config import ConvEncoderConfig
from gaugan.models.encoder import ConvEncoder


def toy_encoder_model(encoder: bool = True) -> GauGAN:
    """A 32x32 SPADE model of the toy label set (ngf 8, z_dim 16), with a style encoder unless told not, in eval mode."""
    torch.manual_seed(0)
    generator = SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8, use_vae=encoder, z_dim=16))
    return GauGAN(generator, TOY_LABELS, ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=16, input_size=32)) if encoder else None).eval()


def unflipped_toy_pairs(n: int) -> list[dict]:
    """n toy samples as a list, without ToyPairs' random flip, so that a test can recompute them by hand."""
    data = ToyPairs(n=n, size=32)
    return [{"label": data.label[i], "image": data.image[i]} for i in range(len(data))]
