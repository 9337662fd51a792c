"""Render the README's pictures of a landscape model into docs/.

    python scripts/make_docs_pictures.py [CHECKPOINT] --data data/landscapes-128 [-o docs]

heldout.png: label | generated | rendered for held-out scenes; seeds.png: one layout, six seeds;
swap.png: grass -> snow with the same seeds; styles.png: one layout in each shipped style preset.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from gaugan.data import colorize
from gaugan.default_model import resolve_checkpoint
from gaugan.landscapes import classes as C
from gaugan.landscapes.probe_run import held_out_pairs
from gaugan.landscapes.probes import swap_class
from gaugan.pipeline import Synthesizer

GAP = 4


def grid(rows: list[list[np.ndarray]], scale: int = 2) -> Image.Image:
    """Rows of equally sized (H, W, 3) uint8 tiles, white gaps between them, scaled by nearest."""
    h, w = rows[0][0].shape[:2]
    columns = max(len(r) for r in rows)
    canvas = np.full((len(rows) * (h + GAP) - GAP, columns * (w + GAP) - GAP, 3), 255, np.uint8)
    for i, row in enumerate(rows):
        for j, tile in enumerate(row):
            canvas[i * (h + GAP): i * (h + GAP) + h, j * (w + GAP): j * (w + GAP) + w] = tile
    picture = Image.fromarray(canvas)
    return picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint", nargs="?", default="landscapes")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("-o", "--output", type=Path, default=Path("docs"))
    args = parser.parse_args()
    checkpoint = resolve_checkpoint(args.checkpoint)
    synth = Synthesizer.from_pretrained(checkpoint)
    args.output.mkdir(parents=True, exist_ok=True)
    pairs = held_out_pairs(args.data, "test")
    load = lambda path: np.asarray(Image.open(path), dtype=np.int64)  # noqa: E731
    paint = lambda ids: colorize(ids, synth.labels)  # noqa: E731

    rows = []
    for label_path, image_path in pairs[:6]:
        ids = load(label_path)
        rendered = np.asarray(Image.open(image_path).convert("RGB"))
        # The style of the rendered picture, through the encoder, as the paper's Figure 1 pairs do.
        generated = synth(ids, style_image=Image.fromarray(rendered)) if synth.has_encoder else synth(ids)
        rows.append([paint(ids), np.asarray(generated), rendered])
    grid(rows).save(args.output / "heldout.png")

    ids = load(pairs[0][0])
    grid([[paint(ids)] + [np.asarray(p) for p in synth([ids] * 6, seed=list(range(6)))]]).save(args.output / "seeds.png")

    swap_ids = next(load(p) for p, _ in pairs if (load(p) == C.TREE).sum() > 100 and (load(p) == C.GRASS).mean() > 0.2)
    snowy = swap_class(swap_ids, C.GRASS, C.SNOW)
    seeds = [0, 1, 2]
    rows = [[paint(swap_ids)] + [np.asarray(p) for p in synth([swap_ids] * 3, seed=seeds)],
            [paint(snowy)] + [np.asarray(p) for p in synth([snowy] * 3, seed=seeds)]]
    grid(rows).save(args.output / "swap.png")

    styles = sorted((checkpoint / "styles").glob("*.jpg"))
    if synth.has_encoder and styles:
        row = [paint(ids)]
        references = []
        for path in styles:
            reference = Image.open(path).convert("RGB")
            references.append(np.asarray(reference.resize(synth.output_size[::-1])))
            row.append(np.asarray(synth(ids, style_image=reference)))
        grid([[np.full_like(row[0], 255)] + references, row]).save(args.output / "styles.png")
    print(f"wrote {', '.join(sorted(p.name for p in args.output.glob('*.png')))} to {args.output}")


if __name__ == "__main__":
    main()
