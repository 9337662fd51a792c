"""Segmenters shipped inside the package, by name: fixed judges, so that scores compare across machines.

    camvid   gaugan's small U-Net trained on CamVid's 367 real training frames at 128x96 (11 classes);
             it judges the `streets` model (mIoU / accuracy, and the features of the Frechet segmenter
             distance)

Why ship one: a segmenter trained by the same command on two kinds of CPU comes out different
(2026-12-03: val mIoU 57.4 on an AMX Xeon, 55.7 on an AVX2 EPYC), so scores made with each compare
only among themselves, and every new machine had to retrain the judge and re-score every model. A
judge stored once (float16 weights, as the models are) gives the same numbers everywhere.

`gaugan evaluate` uses the embedded segmenter of the label set being scored when no --segmenter is
given (`for_labels`); `--segmenter camvid` names it explicitly.

Make one from a `gaugan train-segmenter` directory::

    python -m gaugan.eval.embedded_segmenters camvid ~/gaugan-runs/seg-camvid-128
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
EMBEDDED_SEGMENTERS: dict[str, Path] = {
    "camvid": PACKAGE / "streets" / "segmenter",
}


def is_shipped(name: str) -> bool:
    from gaugan.eval.segmenters import SEGMENTER_CONFIG

    return name in EMBEDDED_SEGMENTERS and (EMBEDDED_SEGMENTERS[name] / SEGMENTER_CONFIG).is_file()


def resolve(name_or_path: str | Path) -> Path:
    """An embedded segmenter's name -> its directory; anything else is returned as a path.

    A file or folder of that name in the working directory wins over the embedded one."""
    path = Path(name_or_path)
    name = str(name_or_path)
    if path.exists() or name not in EMBEDDED_SEGMENTERS:
        return path
    if not is_shipped(name):
        raise FileNotFoundError(f"the embedded {name} segmenter is missing from this install ({EMBEDDED_SEGMENTERS[name]}); "
                                f"pass a segmenter directory (gaugan train-segmenter)")
    return EMBEDDED_SEGMENTERS[name]


def for_labels(class_names: tuple[str, ...] | list[str]) -> str | None:
    """The embedded segmenter trained on exactly these classes (in this order), or None."""
    from gaugan.eval.segmenters import SEGMENTER_CONFIG

    for name in EMBEDDED_SEGMENTERS:
        if is_shipped(name):
            meta = json.loads((EMBEDDED_SEGMENTERS[name] / SEGMENTER_CONFIG).read_text()).get("meta", {})
            if tuple(meta.get("labels", {}).get("names", ())) == tuple(class_names):
                return name
    return None


def embed(name: str, source: Path, destination: Path | None = None) -> Path:
    """Copy a `gaugan train-segmenter` directory into the package as float16 weights."""
    from gaugan.eval.segmenters import load_segmenter, save_segmenter

    import torch

    if name not in EMBEDDED_SEGMENTERS:
        raise ValueError(f"no embedded segmenter slot {name!r}; slots: {', '.join(EMBEDDED_SEGMENTERS)}")
    model, _ = load_segmenter(source)
    meta = json.loads((Path(source) / "segmenter.json").read_text()).get("meta", {})
    return save_segmenter(model, destination or EMBEDDED_SEGMENTERS[name], {**meta, "embedded_from": str(source)},
                          dtype=torch.float16)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="store a trained segmenter in the package as an embedded judge")
    parser.add_argument("name", choices=sorted(EMBEDDED_SEGMENTERS))
    parser.add_argument("source", help="a gaugan train-segmenter output directory")
    args = parser.parse_args(argv)
    print(embed(args.name, Path(args.source)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
