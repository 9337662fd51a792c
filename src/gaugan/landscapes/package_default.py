"""Turn a landscape training run into the embedded default model (the package's `landscapes/default/`).

    python -m gaugan.landscapes.package_default runs/landscapes-128 [-o src/gaugan/landscapes/default]

Takes the run's newest checkpoint, exports its EMA generator (batch-norm statistics re-estimated,
as `gaugan train` does at the end) with the encoder, stores the weights as float16 (half the size;
loading casts back to float32), and adds what the painter app reads: `app.json` (landscape classes
first, brush and background classes) and `styles/` (one rendered reference picture per lighting,
plus a winter scene) for the style presets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import torch
from PIL import Image

from gaugan.default_model import DEFAULT_CHECKPOINT
from gaugan.landscapes import classes
from gaugan.landscapes.make import render_scene
from gaugan.models import GauGAN
from gaugan.models.pretrained import write_json_atomic
from gaugan.train.config import TrainConfig
from gaugan.train.trainer import Trainer

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


def package(run_dir: Path, output: Path, style_seed: int = 0, style_first_index: int = 2700) -> dict:
    """Export ``run_dir``'s newest checkpoint into ``output`` (replaced atomically); returns provenance."""
    config = TrainConfig(**{k: v for k, v in json.loads((run_dir / "train_config.json").read_text()).items()})
    config.output_dir = str(run_dir)
    trainer = Trainer(config, resume=True, show_progress=False)
    if trainer.step == 0:
        raise FileNotFoundError(f"{run_dir} has no checkpoint to package")
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        exported = trainer.export(staging / "float32")
        model = GauGAN.from_pretrained(exported)
        target = staging / "default"
        model.save_pretrained(target, dtype=torch.float16)
        write_json_atomic(target / "app.json", APP_SETTINGS)
        (target / "styles").mkdir()
        for kind, picture in style_references(config.crop_size, style_seed, style_first_index, 300).items():
            picture.save(target / "styles" / f"{kind}.jpg", quality=92)
        provenance = {"step": trainer.step, "epoch": trainer.epoch, "config": config.to_dict()}
        write_json_atomic(target / "training.json", provenance)
        if output.exists():
            shutil.rmtree(output)
        target.rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path, help="output_dir of a landscape training run")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_CHECKPOINT)
    args = parser.parse_args(argv)
    provenance = package(args.run_dir, args.output)
    size = sum(f.stat().st_size for f in args.output.rglob("*") if f.is_file())
    print(json.dumps({"output": str(args.output), "step": provenance["step"], "megabytes": round(size / 2**20, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
