"""Optional painter files in a checkpoint directory: ``app.json``, ``styles/`` and ``examples/``.

    app.json   {"featured": [class ids], "default_class": id, "background_class": id, "description": text}
    styles/    reference images (*.jpg, *.png); preset name = file stem
    examples/  layouts to start from (*.png, one channel, the model's class ids); name = file stem

Without app.json every class is listed in id order, the canvas starts filled with class 0 and
the brush paints class 0. Style presets only make sense for a model with a style encoder.
Without examples the canvas starts filled with the background class.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from gaugan.data.transforms import resize_ids
from gaugan.labels import LabelSet

APP_FILE = "app.json"
STYLES_DIR = "styles"
EXAMPLES_DIR = "examples"
EXAMPLE_MODES = ("L", "P", "I", "I;16")  # one channel: the pixel value is the class id
STYLE_SUFFIXES = (".jpg", ".jpeg", ".png")
# Preset names travel in form fields and URLs: keep them to a harmless alphabet.
PRESET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class AppConfigError(ValueError):
    """A checkpoint's app.json or styles/ folder that the painter cannot use (names the file)."""


@dataclass(frozen=True)
class PainterSettings:
    """What the painting page starts with (all ids are internal class ids)."""

    featured: tuple[int, ...] = ()
    default_class: int = 0
    background_class: int = 0
    description: str = ""


@dataclass
class StylePreset:
    """A style reference shipped with the model; ``image`` is what goes to the encoder."""

    name: str
    image: Image.Image
    thumbnail_jpeg: bytes = field(default=b"", repr=False)


def read_painter_settings(directory: str | Path | None, labels: LabelSet) -> PainterSettings:
    """`PainterSettings` from ``directory/app.json`` (defaults when there is none)."""
    if directory is None or not (Path(directory) / APP_FILE).is_file():
        return PainterSettings()
    path = Path(directory) / APP_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AppConfigError(f"{path}: not readable JSON: {err}") from None
    if not isinstance(data, dict):
        raise AppConfigError(f"{path}: expected a JSON object")
    limit = labels.num_classes + int(labels.dontcare)

    def class_id(value: object, key: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < limit:
            raise AppConfigError(f"{path}: {key} must be a class id in 0..{limit - 1}, got {value!r}")
        return value

    featured = data.get("featured", [])
    if not isinstance(featured, list):
        raise AppConfigError(f"{path}: featured must be a list of class ids")
    ids = tuple(dict.fromkeys(class_id(v, "featured") for v in featured))  # drop repeats, keep order
    description = data.get("description", "")
    if not isinstance(description, str):
        raise AppConfigError(f"{path}: description must be a string")
    return PainterSettings(
        featured=ids,
        default_class=class_id(data.get("default_class", ids[0] if ids else 0), "default_class"),
        background_class=class_id(data.get("background_class", 0), "background_class"),
        description=description,
    )


def load_style_presets(directory: str | Path | None, encoder_size: int = 256) -> list[StylePreset]:
    """Every image in ``directory/styles``, decoded once, resized to the encoder's input size.

    The encoder resizes its input to ``encoder_size`` squared anyway; doing it here once with a
    good filter keeps each request's work to the encoder's convolutions.
    """
    if directory is None or not (Path(directory) / STYLES_DIR).is_dir():
        return []
    presets = []
    for path in sorted((Path(directory) / STYLES_DIR).iterdir()):
        if path.suffix.lower() not in STYLE_SUFFIXES or not path.is_file():
            continue
        if not PRESET_NAME.match(path.stem):
            raise AppConfigError(f"{path}: a style preset name may hold only letters, digits, '_', '.' and '-'")
        try:
            with Image.open(path, formats=["PNG", "JPEG"]) as opened:
                image = opened.convert("RGB")
        except (OSError, ValueError) as err:
            raise AppConfigError(f"{path}: not a readable PNG or JPEG image: {err}") from None
        presets.append(StylePreset(path.stem, image.resize((encoder_size, encoder_size), Image.Resampling.BICUBIC), _thumbnail(image)))
    return presets


@dataclass(frozen=True)
class Example:
    """A layout shipped with the model; ``ids`` (H, W) uint8 class ids at the model's size."""

    name: str
    ids: np.ndarray = field(repr=False)


def load_examples(directory: str | Path | None, labels: LabelSet, size_hw: tuple[int, int]) -> list[Example]:
    """Every ``directory/examples/*.png``, checked against the label set and resized (nearest) to ``size_hw``.

    Checked here, at start-up, so that a broken file stops the server with its name instead of
    reaching a visitor's canvas as a wrong picture.
    """
    if directory is None or not (Path(directory) / EXAMPLES_DIR).is_dir():
        return []
    limit = labels.num_classes + int(labels.dontcare)  # the don't-care id, when there is one, is num_classes
    examples = []
    for path in sorted((Path(directory) / EXAMPLES_DIR).iterdir()):
        if path.suffix.lower() != ".png" or not path.is_file():
            continue
        if not PRESET_NAME.match(path.stem):
            raise AppConfigError(f"{path}: an example name may hold only letters, digits, '_', '.' and '-'")
        try:
            with Image.open(path, formats=["PNG"]) as image:
                image.load()
                mode, ids = image.mode, (np.asarray(image, dtype=np.int64) if image.mode in EXAMPLE_MODES else None)
        except (OSError, ValueError, Image.DecompressionBombError) as err:
            raise AppConfigError(f"{path}: not a readable PNG image: {err}") from None
        if ids is None:
            raise AppConfigError(f"{path}: expected a one-channel PNG of class ids (mode L), got mode {mode}")
        if ids.min() < 0 or ids.max() >= limit:
            bad = int(ids.max()) if ids.max() >= limit else int(ids.min())
            raise AppConfigError(f"{path}: class id {bad} is outside 0..{limit - 1} ({labels.num_classes} classes)")
        examples.append(Example(path.stem, resize_ids(ids, size_hw).astype(np.uint8)))
    return examples


def _thumbnail(image: Image.Image, size: int = 96) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((size, size), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    thumb.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
