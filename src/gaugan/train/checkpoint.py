"""Training checkpoints: complete, atomic, resumable.

Layout of ``<output_dir>/checkpoints``::

    step_00000300/          one complete checkpoint (never modified after it appears)
        generator.safetensors, discriminator.safetensors, [encoder.safetensors],
        [ema_generator.safetensors], optimizer_g.safetensors, optimizer_d.safetensors,
        rng.safetensors, state.json, checksums.json (SHA-256 of the others, verified on load)
    latest                  text file naming the newest complete checkpoint

A checkpoint is written into a hidden temporary directory and renamed into place, so a process
killed mid-write (even by SIGKILL) leaves at most a stray temporary directory behind; the
previous checkpoint and ``latest`` stay valid. A write that fails (a full disk) is a
`CheckpointError` saying so, with nothing left behind. Resuming verifies the checksums and falls
back to the previous complete checkpoint when the newest is damaged (`resume_candidates`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gaugan.models.checksums import DamagedCheckpoint, verify_checksums, write_checksums
from gaugan.models.weights import CheckpointError, read_safetensors, write_safetensors_atomic

STATE_FILE = "state.json"
LATEST_FILE = "latest"
# Testing aid: seconds to sleep after each file, so a test can kill a run mid-write.
WRITE_DELAY_ENV = "GAUGAN_CHECKPOINT_WRITE_DELAY"


@dataclass
class TrainingState:
    """What a checkpoint holds besides the module weights."""

    step: int
    epoch: int
    batch_in_epoch: int
    config: dict[str, Any]
    losses: dict[str, float]
    rng_info: dict[str, Any]


def flatten_optimizer(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Optimizer state as (tensors for safetensors, json-able rest)."""
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, entries in state["state"].items():
        for name, value in entries.items():
            if torch.is_tensor(value):
                tensors[f"{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def unflatten_optimizer(tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    for index, entries in info.get("scalars", {}).items():
        state.setdefault(int(index), {}).update(entries)
    return {"state": state, "param_groups": info["param_groups"]}


def _delay() -> None:
    seconds = float(os.environ.get(WRITE_DELAY_ENV, "0") or 0)
    if seconds > 0:
        time.sleep(seconds)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_checkpoint(
    root: Path,
    state: TrainingState,
    modules: dict[str, dict[str, torch.Tensor]],
    optimizers: dict[str, torch.optim.Optimizer],
    rng_tensors: dict[str, torch.Tensor],
    keep: int = 3,
) -> Path:
    """Write one complete checkpoint under ``root`` and point ``latest`` at it.

    Args:
        modules: name -> state dict (e.g. {"generator": G.state_dict(), ...}).
        optimizers: name -> optimizer ("optimizer_g", "optimizer_d").
        keep: complete checkpoints to keep (older ones are deleted after the new one is in place).
    """
    root.mkdir(parents=True, exist_ok=True)
    name = f"step_{state.step:08d}"
    final = root / name
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=root))
    try:
        for module_name, tensors in modules.items():
            write_safetensors_atomic({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp / f"{module_name}.safetensors")
            _delay()
        optimizer_info = {}
        for opt_name, optimizer in optimizers.items():
            tensors, info = flatten_optimizer(optimizer)
            write_safetensors_atomic(tensors, tmp / f"{opt_name}.safetensors")
            optimizer_info[opt_name] = info
            _delay()
        write_safetensors_atomic(rng_tensors, tmp / "rng.safetensors")
        payload = {
            "step": state.step,
            "epoch": state.epoch,
            "batch_in_epoch": state.batch_in_epoch,
            "config": state.config,
            "losses": state.losses,
            "rng": state.rng_info,
            "optimizers": optimizer_info,
            "modules": sorted(modules),
        }
        (tmp / STATE_FILE).write_text(json.dumps(payload))
        write_checksums(tmp, [p.name for p in tmp.iterdir()])
        for file in tmp.iterdir():
            with open(file, "rb") as f:
                os.fsync(f.fileno())
        if final.exists():  # the same step saved again (e.g. final save right after a periodic one)
            shutil.rmtree(final)
        os.rename(tmp, final)
        _fsync_dir(root)
    except OSError as err:  # a full disk, a quota, a vanished mount: say what is still there
        shutil.rmtree(tmp, ignore_errors=True)
        previous = find_latest_checkpoint(root)
        kept = f"the previous checkpoint {previous.name} is intact" if previous else "no earlier checkpoint exists"
        raise CheckpointError(f"could not write checkpoint {name} in {root}: {err}; {kept}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _write_latest(root, name)
    _prune(root, keep, protect=name)
    return final


def _write_latest(root: Path, name: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".latest.", dir=root)
    with os.fdopen(fd, "w") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / LATEST_FILE)


def complete_checkpoints(root: Path) -> list[Path]:
    """Complete checkpoint directories under ``root``, oldest first."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.glob("step_*") if p.is_dir() and (p / STATE_FILE).is_file())


def _prune(root: Path, keep: int, protect: str) -> None:
    for stale in root.glob(".step_*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)  # leftovers of a killed writer
    checkpoints = complete_checkpoints(root)
    for old in checkpoints[: max(0, len(checkpoints) - keep)]:
        if old.name != protect:
            shutil.rmtree(old, ignore_errors=True)


def find_latest_checkpoint(root: Path) -> Path | None:
    """The checkpoint ``latest`` names, or the newest complete one if ``latest`` is missing/stale."""
    pointer = root / LATEST_FILE
    if pointer.is_file():
        candidate = root / pointer.read_text().strip()
        if (candidate / STATE_FILE).is_file():
            return candidate
    checkpoints = complete_checkpoints(root)
    return checkpoints[-1] if checkpoints else None


def resume_candidates(root: Path) -> list[Path]:
    """Checkpoints to resume from, best first: the one ``latest`` names, then the others newest first."""
    latest = find_latest_checkpoint(root)
    if latest is None:
        return []
    return [latest] + [p for p in reversed(complete_checkpoints(root)) if p != latest]


def load_checkpoint(directory: Path) -> tuple[dict[str, Any], dict[str, dict[str, torch.Tensor]], dict[str, torch.Tensor]]:
    """(state.json payload, module name -> tensors, rng tensors) of one checkpoint directory.

    Verifies ``checksums.json`` first (checkpoints older than it have none). Anything wrong with
    the files themselves raises `DamagedCheckpoint`, so that a caller can fall back to an older one.
    """
    state_path = directory / STATE_FILE
    if not state_path.is_file():
        raise DamagedCheckpoint(f"{directory} is not a complete training checkpoint (no {STATE_FILE})")
    verify_checksums(directory)
    try:
        payload = json.loads(state_path.read_text())
        modules = {name: read_safetensors(directory / f"{name}.safetensors") for name in payload["modules"]}
        for opt_name in payload["optimizers"]:
            modules[opt_name] = read_safetensors(directory / f"{opt_name}.safetensors")
        rng = read_safetensors(directory / "rng.safetensors")
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise DamagedCheckpoint(f"{state_path} is not a valid training state: {err}") from None
    except CheckpointError as err:
        raise DamagedCheckpoint(str(err)) from None
    return payload, modules, rng
