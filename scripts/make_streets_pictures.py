"""Render the README's pictures of the street model into docs/, from CamVid val (never trained on).

    python scripts/make_streets_pictures.py [CHECKPOINT] --data ../shared/data/camvid [-o docs] [--pilot RUN/final] [--before DIR]
        [--compare DIR NAME.png ...]

streets-heldout.png: label | real frame | generated (its style, through the encoder) | seeds 0, 1, 2
for six held-out val frames; streets-styles.png: one held-out layout in each shipped style preset;
streets-relit.png: three held-out frames relit x0.6 / x1 / x1.5 (`gaugan.eval.reference_light`) | the
pictures of their layouts painted in those references' styles;
with --pilot, streets-vs-pilot.png: label | real | the 128x96 pilot (bicubic x2) | the model (seed 0);
with --before, streets-vs-before.png: the same with the model shipped before in the third column;
with --compare DIR NAME.png, NAME.png: the same with any other checkpoint there (an experiment).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from gaugan.data import build_dataset, colorize
from gaugan.default_model import resolve_checkpoint
from gaugan.eval.reference_light import relit_references
from gaugan.pipeline import Synthesizer
from make_docs_pictures import grid


def to_uint8(image) -> np.ndarray:
    """(3, H, W) in [-1, 1] -> (H, W, 3) uint8."""
    return ((image.permute(1, 2, 0).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint", nargs="?", default="streets")
    parser.add_argument("--data", type=Path, required=True, help="CamVid root (SegNet layout)")
    parser.add_argument("-o", "--output", type=Path, default=Path("docs"))
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--pilot", type=Path, help="checkpoint of the issue's 128x96 pilot, for streets-vs-pilot.png")
    parser.add_argument("--before", type=Path, help="checkpoint of the model shipped before, for streets-vs-before.png")
    parser.add_argument("--compare", nargs=2, action="append", default=[], metavar=("CHECKPOINT", "NAME"),
                        help="another checkpoint in the third column, written to NAME (repeatable)")
    args = parser.parse_args()
    directory = resolve_checkpoint(args.checkpoint)
    synth = Synthesizer.from_pretrained(directory)
    height, width = synth.output_size
    val = build_dataset("camvid", args.data, "val", preprocess="fixed", crop_size=width, aspect_ratio=width / height, flip=False)
    args.output.mkdir(parents=True, exist_ok=True)

    rows = []
    picks = np.linspace(0, len(val) - 1, args.rows).round().astype(int)
    for index in picks:
        item = val[int(index)]
        ids, real = item["label"], to_uint8(item["image"])
        styled = synth(ids, style_image=Image.fromarray(real))
        seeds = synth([ids] * 3, seed=[0, 1, 2])
        rows.append([colorize(ids, synth.labels), real, np.asarray(styled)] + [np.asarray(p) for p in seeds])
    grid(rows, scale=1).save(args.output / "streets-heldout.png")

    styles = sorted((directory / "styles").glob("*.jpg"))
    ids = val[int(picks[1])]["label"]
    row = [colorize(ids, synth.labels)] + [np.asarray(synth(ids, style_image=Image.open(p).convert("RGB"))) for p in styles]
    references = [np.asarray(Image.open(p).convert("RGB").resize((width, height))) for p in styles]
    grid([row, [np.full_like(row[0], 255)] + references], scale=1).save(args.output / "streets-styles.png")
    print(f"wrote {args.output / 'streets-heldout.png'} and {args.output / 'streets-styles.png'} (styles: {', '.join(p.stem for p in styles)})")
    grid(relit_rows(synth, val, picks[::2]), scale=1).save(args.output / "streets-relit.png")
    print(f"wrote {args.output / 'streets-relit.png'}")

    comparisons = [(args.pilot, "streets-vs-pilot.png"), (args.before, "streets-vs-before.png")] + [(Path(c), n) for c, n in args.compare]
    for other, name in [(c, n) for c, n in comparisons if c is not None]:
        grid(side_by_side(Synthesizer.from_pretrained(other), synth, val, picks), scale=1).save(args.output / name)
        print(f"wrote {args.output / name}")


def relit_rows(synth: Synthesizer, val, picks) -> list[list[np.ndarray]]:
    """Rows of the frame relit x0.6 / x1 / x1.5 | its layout painted in each of those references' styles."""
    rows = []
    for index in picks:
        item = val[int(index)]
        references = [to_uint8(r[0]) for r in relit_references(item["image"][None])]
        rows.append(references + [np.asarray(synth(item["label"], style_image=Image.fromarray(r))) for r in references])
    return rows


def side_by_side(other: Synthesizer, synth: Synthesizer, val, picks) -> list[list[np.ndarray]]:
    """Rows of label | real | ``other`` (bicubic to this model's size when smaller) | this model, seed 0."""
    height, width = synth.output_size
    rows = []
    for index in picks:
        item = val[int(index)]
        ids = item["label"]
        theirs = np.asarray(other(ids, seed=0).resize((width, height), Image.Resampling.BICUBIC))  # ids resized inside
        rows.append([colorize(ids, synth.labels), to_uint8(item["image"]), theirs, np.asarray(synth(ids, seed=0))])
    return rows


if __name__ == "__main__":
    main()
