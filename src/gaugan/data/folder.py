"""A generic folder of paired files, for a user's own data, and the LabelMeFacade preset.

    ROOT/images/NAME.jpg        photos (any PIL-readable format)
    ROOT/labels/NAME.png        class-id PNGs (one channel: L, P indices, I) or colour-coded RGB(A) PNGs
    ROOT/instances/NAME.png     optional instance-id maps
    ROOT/{split}.txt            optional split lists, one image a line (``images/NAME.jpg``, ``NAME.jpg`` or ``NAME``)
    ROOT/palette.csv            the label set, if not given: id,name,r,g,b (or palette.json, labels.csv,
                                labels.json; JSON files hold a LabelSet, as a checkpoint's config.json does)

Files pair by stem. The label set gives names and colours; colour-coded label maps must use exactly
its colours. Splits: ``all`` (or None) is every pair; another name reads ROOT/{split}.txt; a folder
without any split list is one training set, so ``train`` then means every pair.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gaugan.data.decoders import AutoDecoder, ColorDecoder, IdDecoder
from gaugan.data.errors import DatasetError
from gaugan.data.image_io import list_images, read_split_list, require_split_folder
from gaugan.data.labelsets import load_palette_file
from gaugan.data.paired import PairedDataset, pair_files
from gaugan.data.spec import DatasetSpec
from gaugan.data.transforms import Preprocess
from gaugan.labels import LabelSet

LABEL_FORMATS = ("auto", "ids", "colors")
PALETTE_NAMES = ("palette.csv", "palette.json", "labels.csv", "labels.json")


def _resolve_labels(root: Path, labels: LabelSet | str | Path | None) -> LabelSet:
    if isinstance(labels, LabelSet):
        return labels
    if labels is not None:
        return load_palette_file(labels)
    for name in PALETTE_NAMES:
        if (root / name).is_file():
            return load_palette_file(root / name)
    raise DatasetError(
        f"{root}: the folder dataset needs its label set: pass a palette file (CSV id,name,r,g,b or a "
        f"label-set JSON) or put one at {root / PALETTE_NAMES[0]}"
    )


SPEC = DatasetSpec("folder", None)

# Mostly 683x512 street photos: keep their aspect ratio, then crop.
LABELMEFACADE_SPEC = DatasetSpec("labelmefacade", "labelmefacade.csv", preprocess="scale_shortside_and_crop")


class FolderDataset(PairedDataset):
    """images/ + labels/ (+ instances/) paired by stem.

    Args:
        labels: a `LabelSet`, a palette file, or None to read ROOT/palette.csv|json.
        label_format: ``auto`` (RGB(A) files as colours, one-channel files as ids), ``ids`` or ``colors``.
        dontcare_value: the stored id meaning "unlabeled" in class-id maps (e.g. 255); it becomes
            the don't-care id and the label set gets a don't-care channel. Default: none, or
            num_classes when the label set file says it has a don't-care id.
        instances: use ROOT/instances (None: when the folder exists).
    """

    spec = SPEC

    def __init__(
        self,
        root: str | Path,
        split: str | None = None,
        preprocess: Preprocess | None = None,
        *,
        labels: LabelSet | str | Path | None = None,
        label_format: str = "auto",
        dontcare_value: int | None = None,
        instances: bool | None = None,
        strict: bool = True,
    ) -> None:
        root = Path(root).expanduser()
        if label_format not in LABEL_FORMATS:
            raise ValueError(f"label_format must be one of {', '.join(LABEL_FORMATS)}, got {label_format!r}")
        label_set = _resolve_labels(root, labels)
        if dontcare_value is not None:
            label_set = replace(label_set, dontcare=True)
        use_instances = (root / "instances").is_dir() if instances is None else instances
        label_set = replace(label_set, instance=use_instances)

        images = list_images(require_split_folder(root / "images", "image", "*"))
        label_files = list_images(require_split_folder(root / "labels", "label", "*"))
        instance_files = list_images(require_split_folder(root / "instances", "instance", "*")) if use_instances else None
        problems: list[str] = []
        if split not in (None, "all"):
            split_file = root / f"{split}.txt"
            lists = sorted(p.stem for p in root.glob("*.txt"))
            if split_file.is_file():
                wanted = read_split_list(split_file)
                if missing := wanted - {p.stem for p in images}:
                    problems.append(f"{split_file} names {len(missing)} image(s) not in {root / 'images'}: {', '.join(sorted(missing)[:5])}")
                images = [p for p in images if p.stem in wanted]
                label_files = [p for p in label_files if p.stem in wanted]
                instance_files = [p for p in instance_files if p.stem in wanted] if instance_files is not None else None
            elif split != "train" or lists:
                raise DatasetError(f"split list not found: {split_file} (split lists here: {', '.join(lists) or 'none'}; 'all' uses every pair)")
        pairing = pair_files(images, label_files, instance_files, root)

        if dontcare_value is None and label_set.dontcare:
            dontcare_value = label_set.num_classes  # gaugan's own convention: the id after the last class
        ids = IdDecoder(label_set, first_value=0, dontcare_values=(dontcare_value,) if dontcare_value is not None else ())
        colors = ColorDecoder(label_set)
        decoder = {"ids": ids, "colors": colors, "auto": AutoDecoder(ids, colors)}[label_format]
        super().__init__(
            pairing.samples, label_set, decoder, preprocess, problems=problems + pairing.problems, strict=strict, root=root
        )


class LabelMeFacade(FolderDataset):
    """LabelMeFacade (Froehlich et al., ICPR 2010): images/*.jpg, colour-coded labels/*.png, 9 classes,
    train.txt / test.txt; the folder layout with its built-in palette."""

    spec = LABELMEFACADE_SPEC

    def __init__(self, root: str | Path, split: str | None = "train", preprocess: Preprocess | None = None, *, strict: bool = True) -> None:
        super().__init__(
            root, split, preprocess, labels=LABELMEFACADE_SPEC.labels(), label_format="colors", instances=False, strict=strict
        )
