"""Turn a landscape training run into the embedded default model (the package's `landscapes/default/`).

    python -m gaugan.landscapes.package_default runs/landscapes-128 [-o src/gaugan/landscapes/default]

The export itself is `gaugan.train.packaging.package_run`; this module adds what the painter app
reads: `app.json` (landscape classes first, brush and background classes) and `styles/` (one
rendered reference picture per lighting, plus a winter scene) for the style presets, and
`examples/` (held-out layouts as class-id PNGs, which the painter opens on).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from PIL import Image

from gaugan.default_model import EMBEDDED_MODELS
from gaugan.landscapes import classes
from gaugan.landscapes.make import render_scene
from gaugan.models.pretrained import write_json_atomic
from gaugan.train.config import TrainConfig
from gaugan.train.packaging import package_run, package_size_mb

APP_SETTINGS = {
    # Painting order of a typical landscape: sky first, then ground, water, vegetation, details.
    "featured": [
        classes.SKY, classes.CLOUDS, classes.MOUNTAIN, classes.HILL, classes.SNOW, classes.ROCK, classes.GRASS,
        classes.TREE, classes.BUSH, classes.FLOWER, classes.DIRT, classes.SAND, classes.SEA, classes.LAKE, classes.RIVER,
    ],
    "default_class": classes.GRASS,
    "background_class": classes.SKY,
}
STYLE_KINDS = ("noon", "golden", "dusk", "overcast", "winter")
EXAMPLE_COUNT = 4


def style_references(size: int, seed: int, first_index: int, count: int) -> dict[str, Image.Image]:
    """One rendered picture per kind in STYLE_KINDS, from scenes ``first_index..`` (held-out ones)."""
    found: dict[str, Image.Image] = {}
    for index in range(first_index, first_index + count):
        image, _, info = render_scene(size, seed, index)
        kind = "winter" if info["winter"] else info["light"]
        if kind in STYLE_KINDS and kind not in found:
            found[kind] = Image.fromarray(image)
        if len(found) == len(STYLE_KINDS):
            break
    return {kind: found[kind] for kind in STYLE_KINDS if kind in found}


def add_landscape_files(target: Path, config: TrainConfig, style_seed: int = 0, style_first_index: int = 2700) -> None:
    """app.json, one rendered style reference per kind in STYLE_KINDS and EXAMPLE_COUNT example
    layouts (class-id PNGs the painter opens on), all from held-out scene indices."""
    write_json_atomic(target / "app.json", APP_SETTINGS)
    (target / "styles").mkdir()
    for kind, picture in style_references(config.crop_size, style_seed, style_first_index, 300).items():
        picture.save(target / "styles" / f"{kind}.jpg", quality=92)
    (target / "examples").mkdir()
    for index in range(style_first_index, style_first_index + EXAMPLE_COUNT):
        Image.fromarray(render_scene(config.crop_size, style_seed, index)[1]).save(target / "examples" / f"{index:05d}.png")


def package(run_dir: Path, output: Path) -> dict:
    """Export ``run_dir``'s newest checkpoint into ``output`` (replaced atomically); returns provenance."""
    return package_run(run_dir, output, add_landscape_files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path, help="output_dir of a landscape training run")
    parser.add_argument("-o", "--output", type=Path, default=EMBEDDED_MODELS["landscapes"])
    args = parser.parse_args(argv)
    provenance = package(args.run_dir, args.output)
    print(json.dumps({"output": str(args.output), "step": provenance["step"], "megabytes": package_size_mb(args.output)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
