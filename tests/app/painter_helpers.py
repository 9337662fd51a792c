"""Tiny painter checkpoints for the app tests, ngf 8: a 4-class toy label set at 64x64, and a second
model ("city": 3 classes + don't care, 64x32, with example layouts) for the model picker."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gaugan.labels import LabelEncoding, LabelSet
from gaugan.models import ConvEncoder, ConvEncoderConfig, GauGAN, SPADEGenerator, SPADEGeneratorConfig

SIZE = 64
TOKEN = "s3cret-token"  # of the `token_server` fixture (gaugan serve --token)
LABELS = LabelSet(
    names=("sky", "sea", "grass", "tree"),
    colors=((120, 170, 255), (20, 60, 160), (90, 190, 60), (20, 90, 30)),
    dataset="toy",
)
SKY, SEA, GRASS, TREE = range(4)
APP_JSON = {"featured": [GRASS, SKY, SEA], "default_class": GRASS, "background_class": SKY}


def build_checkpoint(path: Path, with_encoder: bool) -> Path:
    """A random-weight GauGAN; init_gain 1 so that labels visibly change the output."""
    torch.manual_seed(0)
    config = SPADEGeneratorConfig(semantic_channels=LABELS.semantic_channels, ngf=8, width=SIZE, spade_hidden=8,
                                  use_vae=with_encoder, z_dim=8, init_gain=1.0)
    encoder = ConvEncoder(ConvEncoderConfig(ndf=8, z_dim=8, input_size=64, init_gain=1.0)) if with_encoder else None
    GauGAN(SPADEGenerator(config), LABELS, encoder).save_pretrained(path)
    if with_encoder:
        (path / "app.json").write_text(json.dumps(APP_JSON))
        (path / "styles").mkdir()
        rng = np.random.default_rng(0)
        warm = np.zeros((48, 48, 3), np.uint8)
        warm[..., 0], warm[..., 1] = 230, np.linspace(60, 200, 48, dtype=np.uint8)[:, None]
        Image.fromarray(warm).save(path / "styles" / "sunset.jpg", quality=90)
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(path / "styles" / "noise.png")
    return path


def png_bytes(array: np.ndarray, **save_args) -> bytes:
    """PNG (or another format via ``format=``) bytes of a uint8 array."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=save_args.pop("format", "PNG"), **save_args)
    return buffer.getvalue()


def layout() -> np.ndarray:
    """(64, 64) uint8 ids: sky over sea, grass in the lower left."""
    ids = np.full((SIZE, SIZE), SKY, np.uint8)
    ids[SIZE // 2:] = SEA
    ids[3 * SIZE // 4:, : SIZE // 2] = GRASS
    return ids


# The second model: another label set (one name, "sky", shared with the first) and another size,
# whose training data stored ids as ADE20K does (0 = unlabeled, class k = k + 1).
CITY_SIZE = (32, 64)  # (H, W)
CITY_LABELS = LabelSet(
    names=("road", "sky", "car"),
    colors=((128, 64, 128), (70, 130, 180), (0, 0, 142)),
    dontcare=True,
    dataset="toy-city",
    encoding=LabelEncoding(first_value=1, dontcare_values=(0,)),
)
ROAD, CITY_SKY, CAR = range(3)
CITY_DONTCARE = 3  # = num_classes: the don't-care id is a valid example value
CITY_APP_JSON = {"featured": [CAR, ROAD], "default_class": ROAD, "background_class": CITY_SKY,
                 "description": "toy streets for the tests"}


def city_examples() -> list[np.ndarray]:
    """Two (32, 64) uint8 layouts at the model's size; the first is saved at half size (resized on load)."""
    h, w = CITY_SIZE
    first = np.full((h, w), CITY_SKY, np.uint8)
    first[h // 2:] = ROAD
    first[h // 2 - 8: h // 2 + 4, 16:40] = CAR
    second = np.full((h, w), ROAD, np.uint8)
    second[:10] = CITY_SKY
    second[20:, 40:] = CITY_DONTCARE
    return [first, second]


def build_city_checkpoint(path: Path) -> Path:
    """A random-weight GauGAN without encoder, 64x32, with app.json and examples/ (one at half size)."""
    torch.manual_seed(1)
    config = SPADEGeneratorConfig(semantic_channels=CITY_LABELS.semantic_channels, ngf=8, width=CITY_SIZE[1],
                                  aspect_ratio=CITY_SIZE[1] / CITY_SIZE[0], spade_hidden=8, init_gain=1.0)
    GauGAN(SPADEGenerator(config), CITY_LABELS, None).save_pretrained(path)
    (path / "app.json").write_text(json.dumps(CITY_APP_JSON))
    (path / "examples").mkdir()
    first, second = city_examples()
    Image.fromarray(first[::2, ::2]).save(path / "examples" / "a-crossing.png")  # nearest x2 gives `first` back
    Image.fromarray(second).save(path / "examples" / "b-parking.png")
    return path
