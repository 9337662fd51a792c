"""Each dataset's official on-disk layout, reduced to a `PairedDataset`.

coco-stuff     ROOT/{split}_img/*.jpg, {split}_label/*.png (0..181, 255 unlabeled), {split}_inst/*.png
               (the layout of the official SPADE repository; split: train | val)
ade20k         ROOT/images/{training,validation}/*.jpg, ROOT/annotations/{...}/*.png (1..150, 0 other);
               a flat ROOT/images + ROOT/annotations is accepted too
ade20k-outdoor the ADE20K images whose scene (ROOT/sceneCategories.txt) is an outdoor category
cityscapes     ROOT/leftImg8bit/{split}/CITY/*_leftImg8bit.png, ROOT/gtFine/{split}/CITY/*_gtFine_labelIds.png
               and *_gtFine_instanceIds.png (35 ids)
folder         ROOT/images/, ROOT/labels/ (class-id PNGs, or colour PNGs with a palette), optional
               ROOT/instances/, optional split lists ROOT/{split}.txt naming images
labelmefacade  the folder layout with the LabelMeFacade palette and its train.txt / test.txt
facades        CMP Facades as distributed: ROOT/{base,extended}/cmp_*.jpg + cmp_*.png (label indices
               1..12; id 0 unused, 13 channels as in the paper's code), optional ROOT/{split}.txt
"""

from __future__ import annotations

from pathlib import Path

from gaugan.data.decoders import AutoDecoder, IdDecoder
from gaugan.data.errors import DatasetError
from gaugan.data.image_io import list_images
from gaugan.data.labelsets import load_labelset, load_palette_file
from gaugan.data.outdoor import outdoor_image_stems
from gaugan.data.paired import PairedDataset, pair_by_stem
from gaugan.data.transforms import Preprocess
from gaugan.labels import LabelSet


def _require_dir(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise DatasetError(f"{what} folder not found: {path}")
    return path


def coco_stuff(root: Path, split: str, preprocess: Preprocess) -> PairedDataset:
    labels = load_labelset("coco-stuff")
    images = list_images(_require_dir(root / f"{split}_img", "COCO-Stuff image"))
    label_files = list_images(_require_dir(root / f"{split}_label", "COCO-Stuff label"))
    instances = list_images(_require_dir(root / f"{split}_inst", "COCO-Stuff instance"))
    samples = pair_by_stem(images, label_files, instances, root)
    return PairedDataset(samples, labels, IdDecoder(labels, dontcare_value=255), preprocess)


def ade20k(root: Path, split: str, preprocess: Preprocess, outdoor_only: bool = False) -> PairedDataset:
    labels = load_labelset("ade20k-outdoor" if outdoor_only else "ade20k")
    folder = {"train": "training", "val": "validation"}.get(split, split)
    image_dir, label_dir = root / "images" / folder, root / "annotations" / folder
    if not image_dir.is_dir() and (root / "images").is_dir() and not any(p.is_dir() for p in (root / "images").iterdir()):
        image_dir, label_dir = root / "images", root / "annotations"  # a flat sample
    images = list_images(_require_dir(image_dir, "ADE20K image"))
    label_files = list_images(_require_dir(label_dir, "ADE20K annotation"))
    if outdoor_only:
        keep = outdoor_image_stems(root / "sceneCategories.txt")
        images = [p for p in images if p.stem in keep]
        label_files = [p for p in label_files if p.stem in keep]
        if not images:
            raise DatasetError(f"{root}: no outdoor images in split {split!r} according to sceneCategories.txt")
    samples = pair_by_stem(images, label_files, None, root)
    # Files store 0 = other, 1..150 = classes; the paper's code shifts by -1 and treats "other" as don't care.
    return PairedDataset(samples, labels, IdDecoder(labels, dontcare_value=-1, offset=-1), preprocess)


def cityscapes(root: Path, split: str, preprocess: Preprocess) -> PairedDataset:
    labels = load_labelset("cityscapes")
    image_root = _require_dir(root / "leftImg8bit" / split, "Cityscapes leftImg8bit")
    label_root = _require_dir(root / "gtFine" / split, "Cityscapes gtFine")
    images = sorted(image_root.glob("*/*_leftImg8bit.png"))
    label_files = sorted(label_root.glob("*/*_gtFine_labelIds.png"))
    instances = sorted(label_root.glob("*/*_gtFine_instanceIds.png"))

    def city_frame(path: Path) -> str:
        # "aachen_000000_000019_leftImg8bit" and "..._gtFine_labelIds" share "aachen_000000_000019".
        return "_".join(path.stem.split("_")[:3])

    samples = pair_by_stem(images, label_files, instances, root, key=city_frame)
    return PairedDataset(samples, labels, IdDecoder(labels), preprocess)


def folder(
    root: Path,
    split: str | None,
    preprocess: Preprocess,
    labels: LabelSet | None = None,
    palette: str | Path | None = None,
) -> PairedDataset:
    """Generic layout. Each label file is read as colours if it is RGB(A), as class ids otherwise."""
    if labels is None:
        if palette is None:
            raise DatasetError(f"{root}: the folder dataset needs a palette file (id,name,r,g,b CSV or label-set JSON)")
        labels = load_palette_file(palette, instance=(root / "instances").is_dir())
    images = list_images(_require_dir(root / "images", "image"))
    label_files = list_images(_require_dir(root / "labels", "label"))
    instances = list_images(root / "instances") if (root / "instances").is_dir() and labels.instance else None
    if split:
        split_file = root / f"{split}.txt"
        if split_file.is_file():
            wanted = {Path(line.strip()).stem for line in split_file.read_text().splitlines() if line.strip()}
            missing = sorted(wanted - {p.stem for p in images})
            if missing:
                raise DatasetError(f"{split_file} lists {len(missing)} image(s) not in {root / 'images'}: {', '.join(missing[:5])}")
            images = [p for p in images if p.stem in wanted]
            label_files = [p for p in label_files if p.stem in wanted]
            if instances is not None:
                instances = [p for p in instances if p.stem in wanted]
        elif split not in ("all", "train"):
            raise DatasetError(f"split list not found: {split_file}")
    samples = pair_by_stem(images, label_files, instances, root)
    return PairedDataset(samples, labels, AutoDecoder(labels), preprocess)


def labelmefacade(root: Path, split: str, preprocess: Preprocess) -> PairedDataset:
    return folder(root, split, preprocess, labels=load_labelset("labelmefacade"))


def facades(root: Path, split: str, preprocess: Preprocess) -> PairedDataset:
    labels = load_labelset("facades")
    folders = [d for d in (root / "base", root / "extended") if d.is_dir()] or [root]
    files = [p for d in folders for p in list_images(d)]
    images = [p for p in files if p.suffix.lower() in (".jpg", ".jpeg")]
    label_files = [p for p in files if p.suffix.lower() == ".png"]
    split_file = root / f"{split}.txt"
    if split_file.is_file():
        wanted = {Path(line.strip()).stem for line in split_file.read_text().splitlines() if line.strip()}
        images = [p for p in images if p.stem in wanted]
        label_files = [p for p in label_files if p.stem in wanted]
    elif split not in ("all", "train"):
        raise DatasetError(f"split list not found: {split_file} (CMP Facades has no official split; 'all' uses every file)")
    samples = pair_by_stem(images, label_files, None, root)
    return PairedDataset(samples, labels, IdDecoder(labels), preprocess)
