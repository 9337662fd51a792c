"""Score any system's pictures: ``gaugan evaluate --images DIR --labels DIR [--real DIR] --classes SPEC``.

Pictures made by another system (the official SPADE code, OASIS, a diffusion model) are scored
with the `Scorer` that scores gaugan's own checkpoints, so the numbers compare:

- files pair by stem: every picture needs a label map (and a real photo with ``--real``) of the
  same stem; label maps and photos without a picture are left out (and counted);
- a label map of another size than its picture is resized to the picture with the training
  loader's nearest rule (`resize_ids`), a real photo with PIL's bicubic (as the loader resizes
  photos); ``label_resize`` says what is accepted: ``exact`` (no resizing), ``aspect`` (the
  default: only when the aspect ratios agree within 2%) or ``any``;
- the segmenter sees every picture at its own input size (it resizes), logits are compared with
  the labels at the picture's size; FID/KID use pytorch-fid's Inception as the checkpoint path does.

`FolderProtocol` records all of it in the JSON and the report.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from gaugan.data.errors import DatasetError
from gaugan.data.image_io import open_image
from gaugan.data.label_maps import LabelMapError, check_id_range, label_ids_from_image
from gaugan.data.transforms import resize_ids
from gaugan.eval.evaluate import EvaluationResult, Scorer
from gaugan.labels import LabelSet

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
RESIZE_POLICIES = ("exact", "aspect", "any")
ASPECT_TOLERANCE = 0.02


@dataclass(frozen=True)
class FolderPair:
    name: str  # the shared file stem
    picture: Path
    label: Path
    real: Path | None = None


@dataclass
class FolderProtocol:
    """How folder pictures were paired and resized; written to the JSON and the report."""

    images: str
    labels: str
    real: str | None
    pictures: int
    label_maps_in_folder: int
    real_in_folder: int | None
    label_resize: str
    label_encoding: str
    picture_sizes: dict[str, int] = field(default_factory=dict)  # "WxH" -> count
    labels_resized: int = 0
    labels_aspect_changed: int = 0
    real_resized: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        sizes = ", ".join(f"{size} x{count}" for size, count in sorted(self.picture_sizes.items()))
        lines = [f"pictures: {self.pictures} from {self.images} ({sizes})",
                 f"label maps: {self.labels} ({self.pictures} of {self.label_maps_in_folder} used, read as {self.label_encoding} ids"
                 f" when one-channel); {self.labels_resized} resized to their picture (nearest, the loader's rule)"
                 + (f", {self.labels_aspect_changed} of them with another aspect ratio" if self.labels_aspect_changed else "")]
        if self.real:
            lines.append(f"real photos: {self.real} ({self.pictures} of {self.real_in_folder} used); "
                         f"{self.real_resized} resized to their picture (bicubic)")
        lines.append(f"label resize policy: {self.label_resize}")
        return lines


def _by_stem(folder: Path, what: str, suffix: str = "") -> dict[str, Path]:
    """Image files of ``folder`` by stem; with ``suffix``, only stems ending in it, keyed without it."""
    if not folder.is_dir():
        raise DatasetError(f"{what} folder not found: {folder}")
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in PICTURE_SUFFIXES and path.stem.endswith(suffix):
            stem = path.stem[: len(path.stem) - len(suffix)] if suffix else path.stem
            if stem in files:
                raise DatasetError(f"{folder}: two {what} files share the stem {stem!r}: {files[stem].name}, {path.name}")
            files[stem] = path
    if not files:
        ending = f" whose names end in {suffix!r}" if suffix else ""
        raise DatasetError(f"{folder} holds no {what} files{ending} ({', '.join(PICTURE_SUFFIXES)})")
    return files


def pair_folders(images: Path, labels: Path, real: Path | None = None, picture_suffix: str = "") -> tuple[list[FolderPair], dict[str, int]]:
    """Pairs by stem, sorted by name, and the folder counts; `DatasetError` names what is missing.

    ``picture_suffix``: pictures are the files whose stem ends in it (``_seed0`` for `gaugan synthesize`'s
    ``NAME_seed0.png``), paired by the stem without it.
    """
    pictures = _by_stem(Path(images), "picture", picture_suffix)
    label_files = _by_stem(Path(labels), "label map")
    real_files = _by_stem(Path(real), "real photo") if real is not None else None
    for what, found, folder in (("label map", label_files, labels), ("real photo", real_files, real)):
        if found is None:
            continue
        missing = sorted(set(pictures) - set(found))
        if missing:
            shown = ", ".join(missing[:5]) + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else "")
            raise DatasetError(f"{len(missing)} of {len(pictures)} pictures in {images} have no {what} of the same stem in {folder}: {shown}")
    pairs = [FolderPair(stem, pictures[stem], label_files[stem], real_files[stem] if real_files else None) for stem in sorted(pictures)]
    counts = {"label_maps": len(label_files), "real": len(real_files) if real_files is not None else None}
    return pairs, counts


def _aspect_differs(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """(W, H) sizes whose aspect ratios differ by more than the tolerance."""
    return abs((a[0] / a[1]) / (b[0] / b[1]) - 1) > ASPECT_TOLERANCE


def _to_tensor(image: Image.Image) -> torch.Tensor:
    """RGB PIL image -> (3, H, W) float in [-1, 1]."""
    return torch.from_numpy(np.asarray(image, dtype=np.float32)).permute(2, 0, 1) / 127.5 - 1


def load_pair(pair: FolderPair, labels: LabelSet, label_encoding: str, policy: str, protocol: FolderProtocol):
    """(picture (3, H, W), model ids (H, W), real (3, H, W) or None), all at the picture's size."""
    picture = open_image(pair.picture).convert("RGB")
    size = picture.size  # (W, H)
    try:
        ids = label_ids_from_image(open_image(pair.label), labels, str(pair.label), label_encoding)
    except LabelMapError as err:
        raise DatasetError(str(err)) from None
    ids = torch.from_numpy(np.ascontiguousarray(ids)).long()
    try:
        check_id_range(ids, labels, str(pair.label))
    except LabelMapError as err:
        raise DatasetError(str(err)) from None
    label_size = (ids.shape[1], ids.shape[0])
    if label_size != size:
        aspect = _aspect_differs(label_size, size)
        if policy == "exact" or (policy == "aspect" and aspect):
            raise DatasetError(
                f"{pair.label} is {label_size[0]}x{label_size[1]} but its picture {pair.picture} is {size[0]}x{size[1]}"
                + (" (another aspect ratio)" if aspect else "")
                + f"; --label-resize {'aspect' if not aspect else 'any'} resizes label maps to their pictures")
        ids = torch.from_numpy(resize_ids(ids.numpy(), (size[1], size[0]))).long()
        protocol.labels_resized += 1
        protocol.labels_aspect_changed += int(aspect)
    real = None
    if pair.real is not None:
        photo = open_image(pair.real).convert("RGB")
        if photo.size != size:
            if policy != "any" and _aspect_differs(photo.size, size):
                raise DatasetError(f"{pair.real} is {photo.size[0]}x{photo.size[1]} but its picture {pair.picture} is "
                                   f"{size[0]}x{size[1]} (another aspect ratio); --label-resize any resizes it anyway")
            photo = photo.resize(size, Image.BICUBIC)
            protocol.real_resized += 1
        real = _to_tensor(photo)
    return _to_tensor(picture), ids, real


@torch.no_grad()
def evaluate_folders(
    pairs: list[FolderPair],
    labels: LabelSet,
    scorer: Scorer,
    protocol: FolderProtocol,
    batch_size: int = 8,
    progress: bool = True,
) -> EvaluationResult:
    """Feed every pair to ``scorer`` (same-size pictures batched together) and return its result."""
    batch: list[tuple[str, torch.Tensor, torch.Tensor, torch.Tensor | None]] = []

    def flush() -> None:
        if not batch:
            return
        names = [b[0] for b in batch]
        fake = torch.stack([b[1] for b in batch])
        ids = torch.stack([b[2] for b in batch])
        real = torch.stack([b[3] for b in batch]) if batch[0][3] is not None else None
        scorer.add(fake, ids, real, names)
        batch.clear()

    for pair in tqdm(pairs, desc="evaluate", unit="picture", disable=not progress, file=sys.stderr):
        fake, ids, real = load_pair(pair, labels, protocol.label_encoding, protocol.label_resize, protocol)
        key = f"{fake.shape[-1]}x{fake.shape[-2]}"
        protocol.picture_sizes[key] = protocol.picture_sizes.get(key, 0) + 1
        if batch and (batch[0][1].shape != fake.shape or len(batch) >= batch_size):
            flush()
        batch.append((pair.name, fake, ids, real))
    flush()
    result = scorer.result(progress=progress)
    result.protocol = protocol.to_dict()
    return result


@torch.no_grad()
def folder_inception_distances(images: Path, real: Path, inception: torch.nn.Module, picture_suffix: str = "",
                               progress: bool = True) -> EvaluationResult:
    """FID and KID between two folders of any sizes and counts (pytorch-fid's two-folder mode): no pairing,
    no labels; each picture goes to the Inception at its own size (it resizes to 299 itself)."""
    from gaugan.eval.fid import FeatureStatistics, frechet_distance, kernel_inception_distance

    features = {}
    sizes: dict[str, int] = {}
    for what, folder, suffix in (("generated", images, picture_suffix), ("real", real, "")):
        files = _by_stem(Path(folder), "picture" if what == "generated" else "real photo", suffix)
        rows = []
        for path in tqdm(list(files.values()), desc=f"inception {what}", unit="picture", disable=not progress, file=sys.stderr):
            picture = _to_tensor(open_image(path).convert("RGB"))
            if what == "generated":
                key = f"{picture.shape[-1]}x{picture.shape[-2]}"
                sizes[key] = sizes.get(key, 0) + 1
            rows.append(inception(((picture + 1) / 2)[None]).double().numpy())
        features[what] = np.concatenate(rows)
    fake, real_features = features["generated"], features["real"]
    result = EvaluationResult(images=len(fake))
    result.fid = frechet_distance(FeatureStatistics.of(fake), FeatureStatistics.of(real_features))
    result.kid, result.kid_std = kernel_inception_distance(fake, real_features, subsets=20,
                                                           subset_size=min(1000, len(fake), len(real_features)))
    result.protocol = {"images": str(images), "real": str(real), "pictures": len(fake), "real_pictures": len(real_features),
                       "picture_sizes": sizes, "pairing": "none (two-folder FID/KID)"}
    if min(len(fake), len(real_features)) < 2048:
        result.notes.append(f"FID over {min(len(fake), len(real_features))} images is biased upwards; compare only equal counts")
    return result
