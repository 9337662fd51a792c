"""CMP Facades, in either of the two layouts it is distributed in.

CMP layout (the database as its authors distribute it, CMP_facade_DB_base.zip / _extended.zip):
    ROOT/base/cmp_b0001.jpg + cmp_b0001.png, ROOT/extended/cmp_x0001.jpg + cmp_x0001.png
    (ROOT itself may hold the cmp_* files.) Label PNGs are palette images whose indices are
    1 background, 2 facade, 3 window, 4 door, 5 cornice, 6 sill, 7 balcony, 8 blind, 9 deco,
    10 molding, 11 pillar, 12 shop, and 0 for unlabeled. The database has no official split:
    ``base`` / ``extended`` use one folder; any other split name reads ROOT/{split}.txt (one file
    name or stem a line) when it exists, and otherwise ``all`` and ``train`` use every file.

pix2pix layout (datasets/facades from the pix2pix repository):
    ROOT/{train,val,test}/N.jpg, each 512x256: photo (A) on the left, colour-coded labels (B) on
    the right, JPEG-compressed. Label colours are matched to the nearest CMP palette colour.

Internal ids: 0..11 for the 12 classes (file index - 1) and 12 = don't care (index 0), so the
one-hot input has 13 channels, as many as the paper's code uses (label_nc 13, indices 0..12).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from gaugan.data.decoders import IdDecoder, NearestColorDecoder
from gaugan.data.errors import DatasetError
from gaugan.data.image_io import list_images, open_image, read_split_list
from gaugan.data.paired import PairedDataset, Sample, pair_files
from gaugan.data.spec import DatasetSpec
from gaugan.data.transforms import Preprocess

LAYOUTS = ("auto", "cmp", "pix2pix")


def detect_layout(root: Path) -> str:
    """``cmp`` when ROOT has base/, extended/ or cmp_*.png files, else ``pix2pix``."""
    if (root / "base").is_dir() or (root / "extended").is_dir() or any(root.glob("cmp_*.png")):
        return "cmp"
    return "pix2pix"


SPEC = DatasetSpec("facades", "facades.csv", dontcare=True, epochs=100, decay_epochs=100, paper_model=True)


class Facades(PairedDataset):
    """CMP Facades: 12 classes + don't-care, no instance maps, either layout (``layout="auto"`` detects it)."""

    spec = SPEC

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        preprocess: Preprocess | None = None,
        *,
        layout: str = "auto",
        strict: bool = True,
    ) -> None:
        root = Path(root).expanduser()
        if layout not in LAYOUTS:
            raise ValueError(f"facades layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        self.layout = detect_layout(root) if layout == "auto" else layout
        labels = SPEC.labels()
        if self.layout == "pix2pix":
            folder = root / split
            if not folder.is_dir():
                found = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
                raise DatasetError(
                    f"pix2pix facades split folder not found: {folder} (found: {', '.join(found) or 'nothing'}; "
                    "the CMP layout would have base/ and extended/)"
                )
            files = list_images(folder, (".jpg", ".jpeg", ".png"))
            samples = [Sample(p, p) for p in files]
            self.label_decoder = NearestColorDecoder(labels)
            super().__init__(samples, labels, self.label_decoder, preprocess, strict=strict, root=root)
            return
        folders = [d for d in (root / "base", root / "extended") if d.is_dir()] or [root]
        if split in ("base", "extended"):
            folders = [d for d in folders if d.name == split]
            if not folders:
                raise DatasetError(f"CMP Facades folder not found: {root / split}")
        files = [p for d in folders for p in list_images(d, (".jpg", ".jpeg", ".png"))]
        images = [p for p in files if p.suffix.lower() in (".jpg", ".jpeg")]
        label_files = [p for p in files if p.suffix.lower() == ".png"]
        problems: list[str] = []
        split_file = root / f"{split}.txt"
        if split not in ("base", "extended") and split_file.is_file():
            wanted = read_split_list(split_file)
            if missing := wanted - {p.stem for p in images}:
                problems.append(f"{split_file} names {len(missing)} image(s) not found: {', '.join(sorted(missing)[:5])}")
            images = [p for p in images if p.stem in wanted]
            label_files = [p for p in label_files if p.stem in wanted]
        elif split not in ("all", "train", "base", "extended"):
            raise DatasetError(
                f"split list not found: {split_file} (CMP Facades has no official split: use 'all', 'base', "
                f"'extended' or write {split}.txt)"
            )
        pairing = pair_files(images, label_files, None, root)
        super().__init__(
            pairing.samples,
            labels,
            IdDecoder(labels, first_value=1, dontcare_values=(0,)),
            preprocess,
            problems=problems + pairing.problems,
            strict=strict,
            root=root,
        )

    def _halves(self, path: Path) -> tuple[Image.Image, Image.Image]:
        both = open_image(path).convert("RGB")
        w, h = both.size
        if w % 2:
            raise DatasetError(f"{path}: a pix2pix A|B image must have an even width (photo | labels), got {w}x{h}")
        return both.crop((0, 0, w // 2, h)), both.crop((w // 2, 0, w, h))

    def read_image(self, sample: Sample) -> Image.Image:
        if self.layout != "pix2pix":
            return super().read_image(sample)
        return self._halves(sample.image)[0]

    def read_label(self, sample: Sample) -> np.ndarray:
        if self.layout != "pix2pix":
            return super().read_label(sample)
        return self.label_decoder.decode_image(self._halves(sample.label)[1], f"{sample.label} (right half)")
