"""ADE20K (SceneParsing, ADEChallengeData2016) and its outdoor subset.

    ROOT/images/training/ADE_train_*.jpg       ROOT/annotations/training/ADE_train_*.png
    ROOT/images/validation/ADE_val_*.jpg       ROOT/annotations/validation/ADE_val_*.png
    ROOT/sceneCategories.txt                   "ADE_train_00000001 airport_terminal", one line per image

ROOT is the ``ADEChallengeData2016`` folder (or the folder holding it). split: ``train`` / ``training``
or ``val`` / ``validation``. A flat ROOT/images + ROOT/annotations (as in the official SPADE
instructions: "put the files in the same directory") is accepted too; the split is then picked by
the ``_train_`` / ``_val_`` in the file names, as the official code does.

Annotations store 0 = other/unlabeled and 1..150 = classes; as in the paper's code, ids are shifted
by -1 and 0 becomes the don't-care id 150 (151 channels, no instance maps).

ADE20K-outdoor keeps the images whose scene category is listed in ``labels/ade20k_outdoor_scenes.txt``
(see that file for why gaugan defines the list).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from gaugan.data.decoders import IdDecoder
from gaugan.data.errors import DatasetError
from gaugan.data.image_io import list_images, require_split_folder
from gaugan.data.paired import PairedDataset, pair_files
from gaugan.data.spec import DatasetSpec
from gaugan.data.transforms import Preprocess

SPLIT_FOLDERS = {"train": "training", "training": "training", "val": "validation", "validation": "validation"}


def outdoor_scene_names(path: str | Path | None = None) -> frozenset[str]:
    """Scene categories counted as outdoor: gaugan's list, or a user's file (one name a line, '#' comments)."""
    if path is None:
        text = resources.files("gaugan.data").joinpath("labels", "ade20k_outdoor_scenes.txt").read_text(encoding="utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise DatasetError(f"cannot read the outdoor scene list {path}: {err}") from None
    return frozenset(line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip())


def read_scene_categories(scene_file: Path) -> dict[str, str]:
    """sceneCategories.txt -> {image stem: scene category}."""
    if not scene_file.is_file():
        raise DatasetError(f"ADE20K-outdoor needs the dataset's scene list: {scene_file} not found")
    scenes: dict[str, str] = {}
    for number, line in enumerate(scene_file.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2:
            raise DatasetError(f"{scene_file}:{number}: expected 'IMAGE_NAME scene_category', got {line!r}")
        scenes[parts[0]] = parts[1]
    return scenes


def find_ade_root(root: Path) -> Path:
    """The folder with images/ and annotations/: ROOT itself or ROOT/ADEChallengeData2016."""
    if not (root / "images").is_dir() and (root / "ADEChallengeData2016" / "images").is_dir():
        return root / "ADEChallengeData2016"
    return root


SPEC = DatasetSpec("ade20k", "ade20k.csv", dontcare=True, epochs=100, decay_epochs=100, paper_model=True)

OUTDOOR_SPEC = DatasetSpec("ade20k-outdoor", "ade20k.csv", dontcare=True, epochs=100, decay_epochs=100, paper_model=True)


class ADE20K(PairedDataset):
    """ADE20K SceneParsing (150 classes + don't-care). ``outdoor=True`` keeps only outdoor scenes."""

    spec = SPEC

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        preprocess: Preprocess | None = None,
        *,
        outdoor: bool = False,
        scene_file: str | Path | None = None,
        outdoor_scenes: str | Path | None = None,
        strict: bool = True,
    ) -> None:
        root = find_ade_root(Path(root).expanduser())
        if split not in SPLIT_FOLDERS:
            raise DatasetError(f"ADE20K split must be one of {', '.join(SPLIT_FOLDERS)}, got {split!r}")
        folder = SPLIT_FOLDERS[split]
        labels = (OUTDOOR_SPEC if outdoor else SPEC).labels()
        image_dir, label_dir = root / "images" / folder, root / "annotations" / folder
        flat = not image_dir.is_dir() and (root / "images").is_dir() and any((root / "images").glob("*.jpg"))
        if flat:
            tag = "_train_" if folder == "training" else "_val_"
            images = [p for p in list_images(root / "images") if tag in p.name]
            label_files = [p for p in list_images(require_split_folder(root / "annotations", "ADE20K annotations", "*")) if tag in p.name]
        else:
            images = list_images(require_split_folder(image_dir, "ADE20K image", "*"))
            label_files = list_images(require_split_folder(label_dir, "ADE20K annotation", "*"))
        problems: list[str] = []
        if outdoor:
            scene_path = Path(scene_file).expanduser() if scene_file else root / "sceneCategories.txt"
            scenes = read_scene_categories(scene_path)
            keep = outdoor_scene_names(outdoor_scenes)
            unlisted = sorted(p.stem for p in images if p.stem not in scenes)
            if unlisted:
                problems.append(f"{scene_path}: {len(unlisted)} image(s) have no scene category: {', '.join(unlisted[:5])}")
            images = [p for p in images if scenes.get(p.stem) in keep]
            label_files = [p for p in label_files if scenes.get(p.stem) in keep]
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


class ADE20KOutdoor(ADE20K):
    """ADE20K-outdoor: the ADE20K images of outdoor scene categories."""

    spec = OUTDOOR_SPEC

    def __init__(self, root: str | Path, split: str = "train", preprocess: Preprocess | None = None, **options) -> None:
        options.setdefault("outdoor", True)
        super().__init__(root, split, preprocess, **options)
