"""Turn a CamVid training run into the embedded `streets` model (the package's `streets/model/`).

    python -m gaugan.streets.package ~/gaugan-runs/streets-256 [-o src/gaugan/streets/model]

The export is `gaugan.train.packaging.package_run` (EMA generator + encoder, float16); this module
adds what the painter reads: ``app.json`` (street classes in painting order), ``styles/`` (real
CamVid training frames, one per kind of light, for the style presets) and ``examples/`` (held-out
CamVid val layouts as class-id PNGs at the model's size, which the painter opens on and
`gaugan synthesize streets --examples` paints). CamVid is CC BY-NC 4.0 (research and personal
use): the frames and layouts shipped here, and the model, inherit those terms.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from gaugan.data import build_dataset, load_labelset
from gaugan.default_model import EMBEDDED_MODELS
from gaugan.models.pretrained import write_json_atomic
from gaugan.train.config import TrainConfig
from gaugan.train.packaging import package_run, package_size_mb

_NAMES = load_labelset("camvid").names
# Painting order of a street: sky, then buildings and road, then what stands on them.
PAINT_ORDER = ("sky", "building", "road", "pavement", "tree", "car", "pedestrian", "bicyclist", "pole", "sign/symbol", "fence")
APP_SETTINGS = {
    "featured": [_NAMES.index(name) for name in PAINT_ORDER],
    "default_class": _NAMES.index("building"),
    "background_class": _NAMES.index("sky"),
}
# Style presets: CamVid training frames (the encoder has seen these kinds of light), picked by eye.
STYLE_FRAMES = {
    "sunny": "train/0016E5_00390.png",
    "overcast": "train/0006R0_f01680.png",
    "town": "train/0016E5_05370.png",
    "dusk": "train/0001TP_006690.png",
}
EXAMPLE_COUNT = 6  # spread over CamVid val, which training never reads
# Seeds draw style codes at this standard deviation. Since the light stages the codes carry the light,
# and at the prior's full spread seeds paint in more kinds of light than CamVid's; on CamVid val
# (evaluation seeds 0, 1, 2) 0.5 took the FSD from 0.636 to 0.541 and the C2ST cross-entropy from
# 0.216 to 0.305 bits, and seed diversity from 14.8 to 7.8 (docs/streets-log.md, "Truncation").
TRUNCATION = 0.5


def add_street_files(target: Path, config: TrainConfig) -> None:
    """app.json, styles/*.jpg and examples/*.png for a model trained on CamVid at ``config``'s size."""
    root = Path(config.dataroot).expanduser()
    width = config.crop_size
    height = round(width / config.aspect_ratio)
    write_json_atomic(target / "app.json", APP_SETTINGS)
    (target / "styles").mkdir()
    for name, frame in STYLE_FRAMES.items():
        photo = Image.open(root / frame).convert("RGB").resize((width, height), Image.BICUBIC)
        photo.save(target / "styles" / f"{name}.jpg", quality=92)
    val = build_dataset("camvid", root, "val", preprocess="fixed", crop_size=width, aspect_ratio=width / height, flip=False)
    (target / "examples").mkdir()
    for index in np.linspace(0, len(val) - 1, EXAMPLE_COUNT).round().astype(int):
        ids = val[int(index)]["label"].numpy().astype(np.uint8)  # (H, W) model ids, 11 = don't care
        Image.fromarray(ids).save(target / "examples" / f"{val.samples[int(index)].image.stem}.png")


def package(run_dir: Path, output: Path, truncation: float = TRUNCATION) -> dict:
    """Export ``run_dir``'s newest checkpoint into ``output`` (replaced atomically); returns provenance."""
    return package_run(run_dir, output, add_street_files, truncation, held_out="CamVid val (101 frames)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path, help="output_dir of a streets training run")
    parser.add_argument("-o", "--output", type=Path, default=EMBEDDED_MODELS["streets"])
    parser.add_argument("--truncation", type=float, default=TRUNCATION,
                        help=f"what seeds draw style codes at (default {TRUNCATION}; 1 = the prior)")
    args = parser.parse_args(argv)
    provenance = package(args.run_dir.expanduser(), args.output, args.truncation)
    print(json.dumps({"output": str(args.output), "step": provenance["step"], "megabytes": package_size_mb(args.output)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
