"""Uploaded files to arrays, with every refusal named: size (413), format, size in pixels, ids (422).

Uploads are decoded by PIL only, restricted to the PNG and JPEG decoders; nothing is unpickled.
The image size is checked from the header before any pixel is decoded, so a small file that
claims a huge picture (a decompression bomb) costs nothing.
"""

from __future__ import annotations

import io
from typing import Callable

import numpy as np
from PIL import Image, UnidentifiedImageError

from gaugan.data.transforms import resize_ids
from gaugan.labels import LabelSet

STYLE_FORMATS = ("PNG", "JPEG")
MAX_STYLE_SIDE = 8192
MIN_STYLE_SIDE = 8


class UploadError(ValueError):
    """An upload refused with an HTTP status (413 or 422) and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_size(data: bytes, limit: int, what: str) -> bytes:
    if len(data) > limit:
        raise UploadError(413, f"{what} is larger than the upload limit of {format_bytes(limit)}")
    if not data:
        raise UploadError(422, f"{what} is empty")
    return data


def open_image(data: bytes, formats: tuple[str, ...], what: str, header_check: Callable[[Image.Image], None]) -> Image.Image:
    """Decode ``data`` with PIL's ``formats`` decoders only; ``header_check(image)`` runs before any pixel is decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except Image.DecompressionBombError as err:
        raise UploadError(422, f"{what} claims a picture too large to decode: {err}") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UploadError(422, f"{what} is not a {' or '.join(formats)} image") from None
    if image.format not in formats:  # belt and braces: the decoder list above already restricts it
        raise UploadError(422, f"{what} is a {image.format} image; expected {' or '.join(formats)}")
    header_check(image)
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        raise UploadError(422, f"{what} could not be decoded ({err})") from None
    return image


def label_map_bounds(model_hw: tuple[int, int], factor: int = 8) -> tuple[tuple[int, int], tuple[int, int]]:
    """(min (w, h), max (w, h)) of label maps accepted for a model painting ``model_hw`` = (H, W)."""
    h, w = model_hw
    return (max(1, w // factor), max(1, h // factor)), (w * factor, h * factor)


def decode_label_map(
    data: bytes,
    labels: LabelSet,
    model_hw: tuple[int, int],
    to_ids: Callable[[Image.Image], np.ndarray],
    what: str = "label map",
) -> np.ndarray:
    """PNG bytes (class ids, or colours of the label set's palette) -> (H, W) int64 ids at the model's size
    (resized as `gaugan synthesize` and the training loader do).

    ``to_ids`` turns the decoded image into checked ids (the Synthesizer's ``label_ids``, which raises
    `LabelMapError` naming the unknown colour or id; the caller maps that to 422).
    """
    (min_w, min_h), (max_w, max_h) = label_map_bounds(model_hw)

    def header_check(image: Image.Image) -> None:
        if image.format == "JPEG":
            raise UploadError(422, f"{what} is a JPEG; label maps must be PNG (JPEG blurs class colours at region borders)")
        w, h = image.size
        if not (min_w <= w <= max_w and min_h <= h <= max_h):
            raise UploadError(
                422,
                f"{what} is {w}x{h} px; this model paints {model_hw[1]}x{model_hw[0]} and accepts label maps "
                f"from {min_w}x{min_h} to {max_w}x{max_h} (resized with nearest neighbour)",
            )

    image = open_image(data, ("PNG", "JPEG"), what, header_check)
    ids = np.asarray(to_ids(image))
    return resize_ids(ids, model_hw)


def decode_style_image(data: bytes, encoder_size: int, what: str = "style image") -> Image.Image:
    """PNG/JPEG bytes -> RGB image resized to the encoder's square input."""

    def header_check(image: Image.Image) -> None:
        w, h = image.size
        if not (MIN_STYLE_SIDE <= w <= MAX_STYLE_SIDE and MIN_STYLE_SIDE <= h <= MAX_STYLE_SIDE):
            raise UploadError(422, f"{what} is {w}x{h} px; sides from {MIN_STYLE_SIDE} to {MAX_STYLE_SIDE} px are accepted")

    image = open_image(data, STYLE_FORMATS, what, header_check)
    return image.convert("RGB").resize((encoder_size, encoder_size), Image.Resampling.BICUBIC)


def format_bytes(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} bytes"
