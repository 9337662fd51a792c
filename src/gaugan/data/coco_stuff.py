"""COCO-Stuff in the layout of the official SPADE repository.

    ROOT/{split}_img/*.jpg      photos
    ROOT/{split}_label/*.png    8-bit class ids 0..181 (= COCO-Stuff id - 1), 255 = unlabeled
    ROOT/{split}_inst/*.png     8-bit instance maps (datasets/coco_generate_instance_map.py)
    ROOT/{split}_{img,label,inst}_portrait/   optional extra training folders the official code also reads

split is ``train`` or ``val``. 182 classes + don't-care (255) + instance-boundary channel = 184
channels, as in the paper's code.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gaugan.data.decoders import IdDecoder
from gaugan.data.image_io import list_images, require_split_folder
from gaugan.data.paired import PairedDataset, Pairing, pair_files
from gaugan.data.spec import DatasetSpec
from gaugan.data.transforms import Preprocess


SPEC = DatasetSpec("coco-stuff", "coco-stuff.csv", dontcare=True, instance=True, epochs=50, decay_epochs=50, paper_model=True)


class CocoStuff(PairedDataset):
    """COCO-Stuff (``dataset[i]`` as in `PairedDataset`; ``instance`` present unless ``instances=False``)."""

    spec = SPEC

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        preprocess: Preprocess | None = None,
        *,
        instances: bool = True,
        portraits: bool = True,
        strict: bool = True,
    ) -> None:
        root = Path(root).expanduser()
        labels = SPEC.labels()
        if not instances:
            labels = replace(labels, instance=False)
        kinds = ("img", "label", "inst") if instances else ("img", "label")
        groups = [[root / f"{split}_{kind}" for kind in kinds]]
        portrait = [root / f"{split}_{kind}_portrait" for kind in kinds]
        if portraits and split == "train" and portrait[0].is_dir():
            groups.append(portrait)  # the official code adds these folders when they exist (training only)
        pairing = Pairing()
        for group in groups:
            files = [list_images(require_split_folder(d, f"COCO-Stuff {d.name}", "*_img")) for d in group]
            part = pair_files(files[0], files[1], files[2] if instances else None, root)
            pairing.samples += part.samples
            pairing.problems += part.problems
        super().__init__(
            pairing.samples,
            labels,
            IdDecoder(labels, first_value=0, dontcare_values=(255,)),
            preprocess,
            problems=pairing.problems,
            strict=strict,
            root=root,
        )
