"""Pictures of several systems side by side on held-out layouts of a dataset split.

    python scripts/make_comparison_sheet.py --dataset labelmefacade --dataroot ../shared/data/labelmefacade \
        --split test --system "SPADE=RUN_A" --system "OASIS=RUN_B" -o docs/oasis-vs-spade.png

Each row is one layout (evenly spaced over the split): label | real photo | for each system in
order, seeds 0 and 1. A system is a checkpoint, a training run (its newest checkpoint, EMA) or an
embedded model; all must paint at the size of the first one.
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
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--dataroot", type=Path, required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--system", action="append", required=True, metavar="NAME=CHECKPOINT")
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()

    systems = []
    for item in args.system:
        name, _, checkpoint = item.partition("=")
        if not checkpoint:
            parser.error(f"--system {item!r}: expected NAME=CHECKPOINT")
        systems.append((name, Synthesizer.from_pretrained(resolve_checkpoint(checkpoint))))
    height, width = systems[0][1].output_size
    for name, synth in systems:
        if tuple(synth.output_size) != (height, width):
            parser.error(f"{name} paints {synth.output_size[1]}x{synth.output_size[0]}, {systems[0][0]} {width}x{height}")
    data = build_dataset(args.dataset, args.dataroot, args.split, preprocess="fixed", crop_size=width,
                         aspect_ratio=width / height, flip=False)
    rows = []
    for index in np.linspace(0, len(data) - 1, args.rows).round().astype(int):
        sample = data[int(index)]
        ids = sample["label"]
        row = [colorize(ids, systems[0][1].labels), to_uint8(sample["image"])]
        for _, synth in systems:
            row += [np.asarray(p) for p in synth([ids] * args.seeds, seed=list(range(args.seeds)))]
        rows.append(row)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    grid(rows, scale=2).save(args.output)
    columns = ", ".join(f"{name} seeds 0-{args.seeds - 1}" for name, _ in systems)
    print(f"wrote {args.output}: {len(rows)} layouts of {args.dataset} {args.split}; columns: label, real, {columns}")


if __name__ == "__main__":
    main()
