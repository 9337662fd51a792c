"""The preprocessing modes of the paper's code, applied identically to image, label map and instance map.

Semantics (checked against NVlabs/SPADE data/base_dataset.py; w x h is the input size):

    resize_and_crop           resize to load_size x load_size, then a random crop_size x crop_size crop
    crop                      no resize; random crop_size x crop_size crop
    scale_width               width -> load_size, height -> int(load_size * h / w)
    scale_width_and_crop      scale_width, then a random square crop
    scale_shortside           short side -> load_size, long side -> int(load_size * long / short)
    scale_shortside_and_crop  scale_shortside, then a random square crop
    fixed                     resize to crop_size x round(crop_size / aspect_ratio)  (Cityscapes: 512 x 256)
    none                      each side rounded to the nearest multiple of 32 (Python rounding: halves to even)

then, when ``flip`` is on, a horizontal flip with probability 1/2. The random numbers are drawn in the
official order (crop x, crop y, flip) from Python's `random`, which DataLoader seeds per worker.
Images are resized bicubic, label and instance maps nearest, so ids are never blended.

Deliberate differences from the official code, each where it would silently corrupt data:
  * scale_shortside(_and_crop): the official code leaves the short side at its original length and
    only scales the long side (so the aspect ratio changes); here the short side becomes load_size,
    as the mode's name and its crop arithmetic intend.
  * a crop larger than the (resized) input is an error; PIL would pad with zeros, which in a label
    map is class 0 (COCO-Stuff "person").
  * mode none never rounds a side below 32 (the official code would resize to 0 pixels).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from gaugan.data.errors import DatasetError

MODES = (
    "resize_and_crop",
    "crop",
    "scale_width",
    "scale_width_and_crop",
    "scale_shortside",
    "scale_shortside_and_crop",
    "fixed",
    "none",
)


@dataclass(frozen=True)
class Preprocess:
    """Resize / crop / flip options (the official code's --preprocess_mode, --load_size, --crop_size,
    --aspect_ratio and --no_flip)."""

    mode: str = "resize_and_crop"
    load_size: int = 286
    crop_size: int = 256
    aspect_ratio: float = 1.0
    flip: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown preprocess mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if int(self.load_size) < 1 or int(self.crop_size) < 1:
            raise ValueError(f"load_size and crop_size must be positive, got {self.load_size} and {self.crop_size}")
        if not self.aspect_ratio > 0:
            raise ValueError(f"aspect_ratio must be positive, got {self.aspect_ratio}")
        if self.mode in ("resize_and_crop", "scale_width_and_crop", "scale_shortside_and_crop") and self.load_size < self.crop_size:
            raise ValueError(f"{self.mode}: load_size {self.load_size} must be >= crop_size {self.crop_size}")

    @property
    def crops(self) -> bool:
        return self.mode.endswith("crop")

    def resized_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """(w, h) after the resize step, for an input of ``size`` = (w, h)."""
        w, h = size
        load = self.load_size
        if self.mode == "resize_and_crop":
            return load, load
        if self.mode.startswith("scale_width"):
            return (w, h) if w == load else (load, max(1, int(load * h / w)))
        if self.mode.startswith("scale_shortside"):
            short, long = min(w, h), max(w, h)
            if short == load:
                return w, h
            long = max(1, int(load * long / short))
            return (load, long) if w <= h else (long, load)
        if self.mode == "fixed":
            return self.crop_size, max(1, round(self.crop_size / self.aspect_ratio))
        if self.mode == "none":
            return max(32, int(round(w / 32) * 32)), max(32, int(round(h / 32) * 32))
        return w, h  # crop

    def describe(self) -> str:
        """The mode with the sizes that matter to it, for messages."""
        uses_load = self.mode not in ("crop", "fixed", "none")
        return f"{self.mode} (load_size {self.load_size})" if uses_load else self.mode

    def output_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """(w, h) of the tensors for an input of ``size`` = (w, h)."""
        return (self.crop_size, self.crop_size) if self.crops else self.resized_size(size)


@dataclass(frozen=True)
class Params:
    """One random draw, shared by an image and its label and instance maps."""

    resized: tuple[int, int]  # (w, h) after the resize step
    crop: tuple[int, int] | None  # (x, y) of the crop's top-left corner
    flip: bool


def sample_params(size: tuple[int, int], opts: Preprocess, source: object = "image", rng: random.Random | None = None) -> Params:
    """Draw crop position and flip for an input of ``size`` = (w, h)."""
    rng = rng or random  # the module-level generator, which DataLoader seeds per worker
    w, h = opts.resized_size(size)
    if opts.crops and (w < opts.crop_size or h < opts.crop_size):
        raise DatasetError(
            f"{source}: {size[0]}x{size[1]} becomes {w}x{h} with {opts.describe()}, "
            f"smaller than crop_size {opts.crop_size}"
        )
    x = rng.randint(0, max(0, w - opts.crop_size))
    y = rng.randint(0, max(0, h - opts.crop_size))
    flip = rng.random() > 0.5
    return Params((w, h), (x, y) if opts.crops else None, opts.flip and flip)


def apply(image: Image.Image, params: Params, crop_size: int, nearest: bool) -> Image.Image:
    """Resize, crop and flip one PIL image: nearest for label/instance maps, bicubic for photos."""
    if image.size != params.resized:
        image = image.resize(params.resized, Image.NEAREST if nearest else Image.BICUBIC)
    if params.crop is not None:
        x, y = params.crop
        image = image.crop((x, y, x + crop_size, y + crop_size))
    if params.flip:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    return image


def transform_ids(ids: np.ndarray, params: Params, crop_size: int) -> np.ndarray:
    """(H, W) integer ids -> (H', W') int64, through a 32-bit PIL image so nearest sampling keeps every value."""
    if ids.size and (ids.min() < -(2**31) or ids.max() >= 2**31):
        raise ValueError("ids must fit in 32 bits")
    out = apply(Image.fromarray(ids.astype(np.int32)), params, crop_size, nearest=True)
    return np.asarray(out).astype(np.int64)


def resize_ids(ids: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """(H, W) integer ids -> (h, w) int64 with the training loader's nearest rule (PIL NEAREST,
    pixel centres, as the official code's transforms), so that a label map given to `gaugan
    synthesize` or the painter at another size becomes exactly the input training made of it.
    (torch's ``mode="nearest"`` samples the top-left corner instead: it picks other rows and
    columns for most non-integer ratios.)"""
    ids = np.asarray(ids)
    h, w = size_hw
    if ids.shape == (h, w):
        return ids.astype(np.int64, copy=False)
    return transform_ids(ids, Params(resized=(w, h), crop=None, flip=False), crop_size=max(h, w))


def image_to_tensor(image: Image.Image) -> torch.Tensor:
    """RGB PIL image -> (3, H, W) float32 in [-1, 1] (the official ToTensor + Normalize(0.5, 0.5))."""
    array = np.asarray(image.convert("RGB"), dtype=np.float32)
    return torch.from_numpy(array).permute(2, 0, 1).contiguous() / 127.5 - 1.0
