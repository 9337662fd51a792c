"""Turn a training run into a shippable model directory (how the embedded models are made).

Takes the run's newest checkpoint, exports its EMA generator (batch-norm statistics re-estimated,
as `gaugan train` does at the end) with the encoder and the trained discriminator (for
continuations: `shipped_discriminator`), stores the weights as float16 (half the size; loading
casts back to float32), lets the caller add what the painter reads (``app.json``, ``styles/``,
``examples/``) and records provenance in ``training.json``. The output directory is
replaced atomically: a failure leaves the previous package as it was.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from gaugan.models import GauGAN
from gaugan.models.pretrained import write_json_atomic
from gaugan.train.config import TrainConfig
from gaugan.train.shipped_discriminator import save_discriminator
from gaugan.train.trainer import Trainer


def run_config(run_dir: Path) -> TrainConfig:
    """The resolved config a run wrote beside its checkpoints, pointed at ``run_dir``."""
    path = run_dir / "train_config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a training run (no {path.name})")
    config = TrainConfig(**json.loads(path.read_text()))
    config.output_dir = str(run_dir)
    return config


def package_run(run_dir: Path, output: Path, add_files: Callable[[Path, TrainConfig], None], truncation: float = 1.0,
                **provenance) -> dict:
    """Export ``run_dir``'s newest checkpoint as float16 into ``output``; returns the provenance written.

    ``add_files(directory, config)`` writes the package's extra files into the staging directory;
    ``truncation`` is what the package's seeds draw style codes at (`GauGAN.truncation`).
    """
    config = run_config(Path(run_dir))
    trainer = Trainer(config, resume=True, show_progress=False)
    if trainer.step == 0:
        raise FileNotFoundError(f"{run_dir} has no checkpoint to package")
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        exported = trainer.export(staging / "float32")
        target = staging / "package"
        model = GauGAN.from_pretrained(exported)
        model.truncation = truncation
        model.save_pretrained(target, dtype=torch.float16)
        # The trained D, so that a continuation from the package (init_from) does not start D afresh.
        save_discriminator(target, trainer.discriminator, trainer.labels)
        add_files(target, config)
        record = {"step": trainer.step, "epoch": trainer.epoch, "config": config.to_dict(), **provenance}
        write_json_atomic(target / "training.json", record)
        for path in target.rglob("*"):  # atomic writes leave mkstemp's 0600: a package is read by everyone
            path.chmod(0o755 if path.is_dir() else 0o644)
        if output.exists():
            shutil.rmtree(output)
        target.rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return record


def package_size_mb(directory: Path) -> float:
    return round(sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20, 2)
