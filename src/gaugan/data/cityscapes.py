"""Cityscapes (fine annotations) in its official layout.

    ROOT/leftImg8bit/{split}/CITY/CITY_SEQ_FRAME_leftImg8bit.png
    ROOT/gtFine/{split}/CITY/CITY_SEQ_FRAME_gtFine_labelIds.png      label ids 0..33
    ROOT/gtFine/{split}/CITY/CITY_SEQ_FRAME_gtFine_instanceIds.png   16-bit: class id, or id * 1000 + k for instances

split: ``train``, ``val`` (or ``test``). Files pair by their first three name parts (city, sequence,
frame), as the official code matches them. 35 label ids as in the paper's code (0..33 plus the
license plate's channel 34), no don't-care, plus the instance-boundary channel: 36 channels.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gaugan.data.decoders import IdDecoder
from gaugan.data.image_io import require_split_folder
from gaugan.data.paired import PairedDataset, pair_files
from gaugan.data.spec import DatasetSpec
from gaugan.data.transforms import Preprocess


def city_frame(path: Path) -> str:
    """'aachen_000000_000019_leftImg8bit' and 'aachen_000000_000019_gtFine_labelIds' -> 'aachen_000000_000019'."""
    return "_".join(path.stem.split("_")[:3])


SPEC = DatasetSpec(
    "cityscapes", "cityscapes.csv", instance=True, preprocess="fixed", train_load_size=512, test_load_size=512, crop_size=512,
    aspect_ratio=2.0, num_upsampling_layers="more", epochs=100, decay_epochs=100, paper_model=True,
)


class Cityscapes(PairedDataset):
    """Cityscapes gtFine (35 ids + instance-boundary channel unless ``instances=False``)."""

    spec = SPEC

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        preprocess: Preprocess | None = None,
        *,
        instances: bool = True,
        strict: bool = True,
    ) -> None:
        root = Path(root).expanduser()
        labels = SPEC.labels()
        if not instances:
            labels = replace(labels, instance=False)
        image_root = require_split_folder(root / "leftImg8bit" / split, "Cityscapes leftImg8bit", "*")
        label_root = require_split_folder(root / "gtFine" / split, "Cityscapes gtFine", "*")
        images = sorted(image_root.glob("*/*_leftImg8bit.png"))
        label_files = sorted(label_root.glob("*/*_gtFine_labelIds.png"))
        instance_files = sorted(label_root.glob("*/*_gtFine_instanceIds.png")) if instances else None
        pairing = pair_files(images, label_files, instance_files, root, key=city_frame)
        super().__init__(
            pairing.samples,
            labels,
            IdDecoder(labels, first_value=0),
            preprocess,
            problems=pairing.problems,
            strict=strict,
            root=root,
        )
