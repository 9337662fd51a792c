"""docs/d-augment-vs-plain.png: label | real frame | the plain pilot recipe | the same with DiffAugment,
at equal steps, on six CamVid val layouts (never trained on); see scripts/compare_d_augment.sh.

    python scripts/make_d_augment_picture.py PLAIN AUGMENTED --data ../shared/data/camvid [-o docs]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from gaugan.data import build_dataset, colorize
from gaugan.default_model import resolve_checkpoint
from gaugan.pipeline import Synthesizer
from make_docs_pictures import grid
from make_streets_pictures import to_uint8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("plain", help="checkpoint, run or training checkpoint of the plain recipe")
    parser.add_argument("augmented", help="the same with d_augment")
    parser.add_argument("--data", type=Path, required=True, help="CamVid root (SegNet layout)")
    parser.add_argument("-o", "--output", type=Path, default=Path("docs"))
    parser.add_argument("--rows", type=int, default=6)
    args = parser.parse_args()
    plain, augmented = (Synthesizer.from_pretrained(resolve_checkpoint(c)) for c in (args.plain, args.augmented))
    height, width = plain.output_size
    if augmented.output_size != (height, width):
        raise SystemExit(f"the two models paint at different sizes: {plain.output_size} and {augmented.output_size}")
    val = build_dataset("camvid", args.data, "val", preprocess="fixed", crop_size=width, aspect_ratio=width / height, flip=False)
    rows = []
    for index in np.linspace(0, len(val) - 1, args.rows).round().astype(int):
        item = val[int(index)]
        ids = item["label"]
        rows.append([colorize(ids, plain.labels), to_uint8(item["image"]), np.asarray(plain(ids)), np.asarray(augmented(ids))])
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "d-augment-vs-plain.png"
    grid(rows, scale=2).save(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
