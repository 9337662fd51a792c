"""A run killed mid-checkpoint keeps its previous checkpoint; NaN losses stop a run cleanly."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from run_toy_training import config
from train_helpers import ToyPairs

from gaugan.models.weights import CheckpointError
from gaugan.train import Trainer, TrainingDiverged
from gaugan.train import checkpoint as ckpt
from gaugan.train.checkpoint import find_latest_checkpoint

SCRIPT = Path(__file__).with_name("run_toy_training.py")
SRC = Path(__file__).resolve().parents[2] / "src"


def test_sigkill_during_a_checkpoint_write_leaves_the_previous_one_loadable(tmp_path):
    run = tmp_path / "run"
    env = dict(os.environ, GAUGAN_CHECKPOINT_WRITE_DELAY="0.5", PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(SCRIPT), str(run), "6"], env=env, stderr=subprocess.PIPE)
    checkpoints = run / "checkpoints"
    deadline = time.monotonic() + 120
    try:
        # Wait until step 2 is complete and step 4 is being written, then kill without warning.
        while time.monotonic() < deadline:
            if (checkpoints / "step_00000002" / "state.json").exists() and list(checkpoints.glob(".step_00000004.*.tmp")):
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
        else:
            pytest.fail("the run never started writing its second checkpoint")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert list(checkpoints.glob(".step_00000004.*.tmp")), "the kill should have hit a partial write"
    assert not (checkpoints / "step_00000004").exists()
    assert find_latest_checkpoint(checkpoints) == checkpoints / "step_00000002"

    resumed = Trainer(config(str(run), 6), ToyPairs(n=8), resume=True, show_progress=False)
    assert resumed.step == 2
    resumed.fit()
    assert resumed.step == 6
    assert not list(checkpoints.glob(".step_*.tmp")), "leftovers of the killed writer are cleaned up"
    assert (run / "final" / "config.json").is_file()


class NaNAfter(ToyPairs):
    """Sample 0 turns corrupt (NaN pixels) after the first epoch, as a bad file on disk would."""

    def __getitem__(self, index):
        item = super().__getitem__(index)
        if self.poisoned:
            item["image"] = torch.full_like(item["image"], float("nan"))
        return item

    poisoned = False


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint(tmp_path):
    cfg = config(str(tmp_path / "run"), 8)
    data = NaNAfter(n=4)  # 2 steps per epoch
    trainer = Trainer(cfg, data, show_progress=False)
    trainer.fit(max_steps=2)  # checkpoint at step 2
    data.poisoned = True
    with pytest.raises(TrainingDiverged, match="non-finite loss at step 3"):
        trainer.fit()
    checkpoints = tmp_path / "run" / "checkpoints"
    assert find_latest_checkpoint(checkpoints) == checkpoints / "step_00000002"
    assert sorted(p.name for p in checkpoints.glob("step_*")) == ["step_00000002"]
    good = Trainer(cfg, NaNAfter(n=4), resume=True, show_progress=False)
    assert all(torch.isfinite(p).all() for p in good.generator.parameters())


def _flip_last_bytes(path: Path) -> None:
    """Same size, still parseable, other bytes: what only a checksum notices."""
    data = path.read_bytes()
    path.write_bytes(data[:-8] + bytes(b ^ 0x55 for b in data[-8:]))


def test_a_damaged_newest_checkpoint_is_skipped_on_resume_with_a_warning(tmp_path, capsys):
    cfg = config(str(tmp_path / "run"), 4)
    Trainer(cfg, ToyPairs(n=8), show_progress=False).fit(max_steps=4)  # checkpoints at steps 2 and 4
    checkpoints = tmp_path / "run" / "checkpoints"
    assert json.loads((checkpoints / "step_00000004" / "checksums.json").read_text())["files"].keys() >= {
        "generator.safetensors", "discriminator.safetensors", "optimizer_g.safetensors", "rng.safetensors", "state.json"}
    _flip_last_bytes(checkpoints / "step_00000004" / "generator.safetensors")
    capsys.readouterr()
    resumed = Trainer(cfg, ToyPairs(n=8), resume=True, show_progress=False)
    assert resumed.step == 2 and resumed.resumed_from == checkpoints / "step_00000002"
    err = capsys.readouterr().err
    assert "step_00000004 is damaged" in err and "generator.safetensors: SHA-256" in err and "resuming from step_00000002" in err

    _flip_last_bytes(checkpoints / "step_00000002" / "state.json")
    with pytest.raises(CheckpointError, match=r"no checkpoint in .* can be resumed: .*step_00000002/state.json"):
        Trainer(cfg, ToyPairs(n=8), resume=True, show_progress=False)


def test_a_full_disk_during_a_checkpoint_is_a_clear_error_and_leaves_the_previous_one(tmp_path, monkeypatch):
    cfg = config(str(tmp_path / "run"), 6)
    trainer = Trainer(cfg, ToyPairs(n=8), show_progress=False)
    trainer.fit(max_steps=2)
    checkpoints = tmp_path / "run" / "checkpoints"
    real_write, calls = ckpt.write_safetensors_atomic, []

    def write_until_full(tensors, path, *args):
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(tensors, path, *args)

    monkeypatch.setattr(ckpt, "write_safetensors_atomic", write_until_full)
    with pytest.raises(CheckpointError, match=r"could not write checkpoint step_00000004 in .*: \[Errno 28\] No space left "
                                              r"on device; the previous checkpoint step_00000002 is intact"):
        trainer.fit()
    assert not list(checkpoints.glob(".step_*")) and not (checkpoints / "step_00000004").exists()
    assert find_latest_checkpoint(checkpoints) == checkpoints / "step_00000002"
    monkeypatch.undo()
    assert Trainer(cfg, ToyPairs(n=8), resume=True, show_progress=False).step == 2
