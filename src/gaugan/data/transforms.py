"""The preprocessing modes of the paper's code, applied identically to image, label and instance map.

Modes: resize_and_crop (resize to load_size^2, random crop_size^2 crop), crop, scale_width,
scale_width_and_crop, scale_shortside, scale_shortside_and_crop, fixed (resize to crop_size x
crop_size / aspect_ratio), none (round sides to a multiple of 32). Images are resized bicubic,
label and instance maps nearest, so ids are never blended. One draw of crop position and flip
(from Python's `random`) is shared by the three, which keeps them aligned.

Deviation: the official scale_shortside keeps the short side unchanged (a known slip); here the
short side becomes load_size, as the mode's name says.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image

from gaugan.data.errors import DatasetError

MODES = (
    "resize_and_crop", "crop", "scale_width", "scale_width_and_crop",
    "scale_shortside", "scale_shortside_and_crop", "fixed", "none",
)


@dataclass(frozen=True)
class Preprocess:
    mode: str = "resize_and_crop"
    load_size: int = 286
    crop_size: int = 256
    aspect_ratio: float = 1.0
    flip: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown preprocess mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if "crop" in self.mode and self.load_size < self.crop_size and self.mode != "crop":
            raise ValueError(f"load_size {self.load_size} must be >= crop_size {self.crop_size} for {self.mode}")


@dataclass(frozen=True)
class Params:
    """One random draw, shared by the image and its maps."""

    resized: tuple[int, int]  # (w, h) after the resize step
    crop: tuple[int, int] | None  # (x, y) of the crop's top-left corner
    flip: bool


def _resized_size(size: tuple[int, int], opts: Preprocess) -> tuple[int, int]:
    w, h = size
    mode = opts.mode
    if mode == "resize_and_crop":
        return opts.load_size, opts.load_size
    if mode.startswith("scale_width"):
        return opts.load_size, max(1, opts.load_size * h // w)
    if mode.startswith("scale_shortside"):
        if w <= h:
            return opts.load_size, max(1, int(opts.load_size * h / w))
        return max(1, int(opts.load_size * w / h)), opts.load_size
    if mode == "fixed":
        return opts.crop_size, round(opts.crop_size / opts.aspect_ratio)
    if mode == "none":
        return max(32, round(w / 32) * 32), max(32, round(h / 32) * 32)
    return w, h  # crop


def sample_params(size: tuple[int, int], opts: Preprocess, source: str = "image") -> Params:
    """Draw crop position and flip for an input of ``size`` = (w, h)."""
    w, h = _resized_size(size, opts)
    crop = None
    if "crop" in opts.mode:
        if w < opts.crop_size or h < opts.crop_size:
            raise DatasetError(
                f"{source}: {size[0]}x{size[1]} becomes {w}x{h} with {opts.mode} (load_size {opts.load_size}), "
                f"smaller than crop_size {opts.crop_size}"
            )
        crop = (random.randint(0, w - opts.crop_size), random.randint(0, h - opts.crop_size))
    flip = opts.flip and random.random() > 0.5
    return Params((w, h), crop, flip)


def apply(image: Image.Image, params: Params, opts: Preprocess, nearest: bool) -> Image.Image:
    """Resize, crop and flip one PIL image (nearest for label/instance maps, bicubic otherwise)."""
    method = Image.NEAREST if nearest else Image.BICUBIC
    if image.size != params.resized:
        image = image.resize(params.resized, method)
    if params.crop is not None:
        x, y = params.crop
        image = image.crop((x, y, x + opts.crop_size, y + opts.crop_size))
    if params.flip:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    return image
