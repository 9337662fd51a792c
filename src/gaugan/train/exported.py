"""Training runs and training checkpoints wherever an inference checkpoint is taken.

    RUN/                          a run directory (train_config.json + checkpoints/)
    RUN/checkpoints/step_00000400 one training checkpoint (state.json + weights)

`inference_checkpoint(path)` turns either into an inference checkpoint directory (config.json +
safetensors, what `GauGAN.from_pretrained` reads) the way the end of `gaugan train` does: the EMA
generator, its spectral-norm vectors refreshed and its batch-norm statistics re-estimated on the
run's training data (`Trainer.export`); ``raw=True`` takes the trained generator itself. A run
directory means its newest checkpoint that verifies. The export is kept in ``RUN/exports/`` (beside
a checkpoint copied out of its run, in ``NAME-exports/``; in a temporary folder when that is
read-only) and reused while the checkpoint is unchanged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from gaugan.models.checksums import CHECKSUMS_FILE, DamagedCheckpoint, verify_checksums
from gaugan.models.pretrained import CONFIG_FILE
from gaugan.models.weights import CheckpointError
from gaugan.train import checkpoint as ckpt

SOURCE_FILE = "source.json"  # in an export: which checkpoint it was made from, and how


def is_training_run(path: Path) -> bool:
    return (path / "checkpoints").is_dir() and (path / "train_config.json").is_file()


def is_training_checkpoint(path: Path) -> bool:
    return (path / ckpt.STATE_FILE).is_file()


def is_training_path(path: str | Path) -> bool:
    """A run directory or a training checkpoint (and not an inference checkpoint)."""
    path = Path(path)
    return not (path / CONFIG_FILE).is_file() and (is_training_run(path) or is_training_checkpoint(path))


def find_training_checkpoint(path: str | Path, step: int | None = None) -> Path:
    """The training checkpoint ``path`` names: itself, the run's ``step``, or the run's newest that verifies."""
    path = Path(path)
    if is_training_checkpoint(path):
        if step is not None and (held := _step_of(path)) != step:
            raise CheckpointError(f"{path} is the checkpoint of step {held}, not {step}")
        return path
    if not is_training_run(path):
        raise CheckpointError(f"{path} is neither a training run (train_config.json + checkpoints/) nor a training checkpoint")
    root = path / "checkpoints"
    available = ckpt.complete_checkpoints(root)
    if step is not None:
        wanted = root / f"step_{step:08d}"
        if wanted not in available:
            steps = ", ".join(str(_step_of(p)) for p in available) or "none"
            raise CheckpointError(f"{path} has no complete checkpoint of step {step} (steps kept: {steps})")
        return wanted
    for candidate in ckpt.resume_candidates(root):
        try:
            verify_checksums(candidate)
        except DamagedCheckpoint as err:
            print(f"gaugan: skipping damaged checkpoint {candidate.name}: {err}", file=sys.stderr)
            continue
        return candidate
    raise CheckpointError(f"{path} has no complete training checkpoint yet (in {root})")


def _step_of(checkpoint: Path) -> int:
    """The step a training checkpoint holds, from its state (a copy may have any folder name)."""
    state = checkpoint / ckpt.STATE_FILE
    try:
        return int(json.loads(state.read_text())["step"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CheckpointError(f"{state}: cannot read the checkpoint's step ({type(err).__name__}: {err})") from None


def _fingerprint(checkpoint: Path, raw: bool, bn_batches: int) -> dict:
    digest = hashlib.sha256((checkpoint / CHECKSUMS_FILE).read_bytes()).hexdigest() if (checkpoint / CHECKSUMS_FILE).is_file() else None
    return {"checkpoint": str(checkpoint.resolve()), "step": _step_of(checkpoint), "checksums_sha256": digest,
            "generator": "raw" if raw else "ema", "bn_batches": bn_batches}


def export_training_checkpoint(checkpoint: Path, output: Path, raw: bool = False, bn_batches: int = 20) -> Path:
    """Write the inference checkpoint of one training checkpoint into ``output`` (replaced atomically)."""
    from gaugan.data import DatasetError
    from gaugan.train.config import TrainConfig
    from gaugan.train.trainer import Trainer

    payload = json.loads((checkpoint / ckpt.STATE_FILE).read_text())
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    # Training-only settings are switched off: no VGG file or init_from checkpoint is needed to export.
    values = {k: v for k, v in payload["config"].items() if k in known}
    values.update(init_from=None, init_from_classes=None, use_vgg=False, tensorboard=False, device="cpu")
    config = TrainConfig(**values)
    try:
        trainer = Trainer(config, show_progress=False)
    except (DatasetError, FileNotFoundError) as err:
        raise CheckpointError(
            f"exporting {checkpoint} re-estimates batch-norm statistics on the run's training data "
            f"({config.dataset} at {config.dataroot!r}), which cannot be read from here: {err}. Run from the "
            "folder the run was started in, or export on the machine that has the data"
        ) from None
    trainer.load(checkpoint)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        trainer.export(staging / "model", bn_batches=bn_batches, use_ema=not raw)
        (staging / "model" / SOURCE_FILE).write_text(json.dumps(_fingerprint(checkpoint, raw, bn_batches), indent=2) + "\n")
        if output.exists():
            shutil.rmtree(output)
        (staging / "model").rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output


def inference_checkpoint(path: str | Path, step: int | None = None, raw: bool = False, log=None) -> Path:
    """An inference checkpoint directory for a run / training checkpoint (exported once, then reused)."""
    checkpoint = find_training_checkpoint(path, step)
    # A checkpoint inside its run exports into RUN/exports/; one copied out of it, beside itself.
    run = checkpoint.parent.parent
    if checkpoint.parent.name == "checkpoints" and is_training_run(run):
        home, local = run, run / "exports"
    else:
        home, local = checkpoint, checkpoint.parent / f"{checkpoint.name}-exports"
    name = checkpoint.name + ("-raw" if raw else "")
    wanted = _fingerprint(checkpoint, raw, 20)
    for base in (local, Path(tempfile.gettempdir()) / "gaugan-exports" / hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12]):
        target = base / name
        try:
            if (target / SOURCE_FILE).is_file() and json.loads((target / SOURCE_FILE).read_text()) == wanted:
                return target
            if log is not None:
                kind = "trained generator (--raw)" if raw else "EMA generator, batch-norm statistics re-estimated"
                log(f"exporting {checkpoint} ({kind}) to {target}")
            return export_training_checkpoint(checkpoint, target, raw=raw)
        except PermissionError:
            continue  # a read-only run: export into the temporary folder instead
    raise CheckpointError(f"could not write an export of {checkpoint} anywhere")
