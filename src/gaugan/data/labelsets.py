"""Built-in label sets (class names and colours, shipped as package data) and id <-> colour maps.

Each built-in dataset has a table ``gaugan/data/labels/<name>.csv`` with the columns
``id,name,r,g,b`` (ids 0..num_classes-1, gaugan's internal ids). Colours follow the paper's code:
the bit-interleaved pix2pixHD map with SPADE's five special COCO colours, ADE20K's official palette,
Cityscapes' official colours, LabelMeFacade's and CMP Facades' own label colours.

Some palettes repeat a colour (Cityscapes draws its first five void ids black, ADE20K has one
duplicate); turning colours back into ids then gives the lowest id with that colour.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from gaugan.data.errors import DatasetError
from gaugan.labels import LabelSet

def _parse_table(text: str, source: str) -> tuple[list[str], list[tuple[int, int, int]]]:
    reader = csv.DictReader(io.StringIO(text))
    required = {"id", "name", "r", "g", "b"}
    if reader.fieldnames is None or not required <= {f.strip() for f in reader.fieldnames}:
        raise DatasetError(f"{source}: a palette table needs the columns id,name,r,g,b (got {reader.fieldnames})")
    try:
        rows = sorted(({k.strip(): v.strip() for k, v in row.items() if k} for row in reader), key=lambda r: int(r["id"]))
        ids = [int(r["id"]) for r in rows]
        colors = [(int(r["r"]), int(r["g"]), int(r["b"])) for r in rows]
    except (TypeError, ValueError) as err:
        raise DatasetError(f"{source}: ids and colours must be integers ({err})") from None
    if ids != list(range(len(rows))):
        raise DatasetError(f"{source}: class ids must be 0..{len(rows) - 1} without gaps or repeats, got {ids[:12]}")
    return [r["name"] for r in rows], colors


@lru_cache(maxsize=None)
def read_label_table(file: str) -> tuple[tuple[str, ...], tuple[tuple[int, int, int], ...]]:
    """(names, colours) of a table shipped in ``gaugan/data/labels`` (e.g. ``"camvid.csv"``)."""
    text = resources.files("gaugan.data").joinpath("labels", file).read_text(encoding="utf-8")
    names, colors = _parse_table(text, file)
    return tuple(names), tuple(colors)


def _builtin_specs() -> dict:
    # The specs live beside the loaders, which import this module: look them up when asked.
    from gaugan.data.registry import SPECS

    return {name: spec for name, spec in SPECS.items() if spec.table is not None}


def builtin_labelsets() -> tuple[str, ...]:
    return tuple(_builtin_specs())


@lru_cache(maxsize=None)
def load_labelset(name: str) -> LabelSet:
    """The `LabelSet` of a built-in dataset: coco-stuff, ade20k, ade20k-outdoor, cityscapes, facades, labelmefacade, camvid."""
    specs = _builtin_specs()
    if name not in specs:
        raise KeyError(f"no built-in label set {name!r}; known: {', '.join(specs)}")
    return specs[name].labels()


def load_palette_file(path: str | Path, *, dontcare: bool | None = None, instance: bool | None = None) -> LabelSet:
    """A user's label set: a CSV table (id,name,r,g,b) or a LabelSet JSON (as stored in a checkpoint's config.json).

    ``dontcare`` / ``instance`` override what the file says (a CSV says nothing: both default to False).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DatasetError(f"palette file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetError(f"cannot read palette file {path}: {err}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
            labels = LabelSet.from_dict(data.get("labels", data) if isinstance(data, dict) else data)
        except (json.JSONDecodeError, ValueError, TypeError, AttributeError) as err:
            raise DatasetError(f"{path}: not a label set JSON: {err}") from None
        if not labels.dataset:
            labels = replace(labels, dataset=path.stem)
    else:
        names, colors = _parse_table(text, str(path))
        labels = LabelSet(names=tuple(names), colors=tuple(colors), dataset=path.stem)
    if dontcare is not None:
        labels = replace(labels, dontcare=dontcare)
    if instance is not None:
        labels = replace(labels, instance=instance)
    return labels


def colorize(label_ids, labels: LabelSet) -> np.ndarray:
    """(..., H, W) internal ids (numpy or torch) -> (..., H, W, 3) uint8 colours; don't-care in its own colour."""
    ids = label_ids.detach().cpu().numpy() if hasattr(label_ids, "detach") else np.asarray(label_ids)
    palette = np.array(labels.palette(), dtype=np.uint8)
    if ids.size and (ids.min() < 0 or ids.max() >= len(palette)):
        bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
        raise DatasetError(f"label id {bad} has no colour in {labels.dataset or 'this label set'} (ids 0..{len(palette) - 1})")
    return palette[ids.astype(np.int64)]


def _color_codes(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.int32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def _format_code(code: int) -> str:
    return f"({code >> 16}, {(code >> 8) & 255}, {code & 255})"


def ids_from_colors(rgb: np.ndarray, labels: LabelSet, source: str = "label map") -> np.ndarray:
    """(H, W, 3) uint8 colour-coded label map -> (H, W) int64 internal ids.

    Raises:
        DatasetError naming every colour that is not in the palette, with its pixel count.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise DatasetError(f"{source}: a colour-coded label map must be (H, W, 3) RGB, got shape {rgb.shape}")
    codes = _color_codes(rgb[..., :3])
    palette = _color_codes(np.array(labels.palette(), dtype=np.int32))
    # Sorted lookup table; for a repeated colour keep the lowest id (stable sort, then first occurrence).
    order = np.argsort(palette, kind="stable")
    sorted_codes, first = np.unique(palette[order], return_index=True)
    sorted_ids = order[first]
    pos = np.clip(np.searchsorted(sorted_codes, codes), 0, len(sorted_codes) - 1)
    known = sorted_codes[pos] == codes
    if not known.all():
        unknown, counts = np.unique(codes[~known], return_counts=True)
        biggest = np.argsort(-counts, kind="stable")
        shown = ", ".join(f"{_format_code(int(unknown[i]))} x {int(counts[i])} px" for i in biggest[:8])
        more = f" and {len(unknown) - 8} more colours" if len(unknown) > 8 else ""
        raise DatasetError(
            f"{source}: {int((~known).sum())} pixels have colours not in the {labels.dataset or 'given'} palette: {shown}{more}"
        )
    return sorted_ids[pos].astype(np.int64)


def ids_from_nearest_colors(
    rgb: np.ndarray, labels: LabelSet, source: str = "label map", *, tolerance: float = 80.0, max_far_share: float = 0.01
) -> np.ndarray:
    """Like `ids_from_colors` for lossy (JPEG) label maps: every pixel takes the nearest palette colour.

    JPEG blurs colours near region borders, so exact matching cannot work. A file is refused only when
    more than ``max_far_share`` of its pixels are farther than ``tolerance`` (Euclidean, 0..255 units)
    from every palette colour, which catches a photo or a different palette given as labels.
    """
    rgb = np.asarray(rgb)[..., :3].astype(np.float32)
    palette = np.array(labels.palette(), dtype=np.float32)
    # (H, W, K) squared distances; K is small (a dozen colours) for the datasets this is used with.
    dist = ((rgb[..., None, :] - palette) ** 2).sum(-1)
    ids = dist.argmin(-1)
    nearest = np.sqrt(np.take_along_axis(dist, ids[..., None], -1)[..., 0])
    far = nearest > tolerance
    if far.mean() > max_far_share:
        codes, counts = np.unique(_color_codes(rgb.astype(np.int32)[far]), return_counts=True)
        biggest = np.argsort(-counts, kind="stable")[:5]
        shown = ", ".join(f"{_format_code(int(codes[i]))} x {int(counts[i])} px" for i in biggest)
        raise DatasetError(
            f"{source}: {int(far.sum())} pixels ({far.mean():.1%}) are farther than {tolerance:g} from every colour of "
            f"the {labels.dataset or 'given'} palette, e.g. {shown}"
        )
    return ids.astype(np.int64)
