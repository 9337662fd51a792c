"""Graceful preemption (issue #18): SIGTERM, SIGINT and SIGUSR1 finish the step in flight, write a
checkpoint and stop with a distinct status; --resume then continues bit-identically to a run that
was never stopped. Real signals: to this process (in-process trainers), to a real `gaugan train`
process, and to torchrun's agent with 2 gloo ranks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from train_helpers import ToyPairs

from gaugan.models.weights import read_safetensors
from gaugan.train import TrainConfig, Trainer, TrainingStopped
from gaugan.train.checkpoint import find_latest_checkpoint
from gaugan.train.preemption import STOPPED_EXIT_STATUS, StopRequests

SHARED = Path(os.environ.get("GAUGAN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
SRC = Path(__file__).resolve().parents[2] / "src"


class SignalAt(ToyPairs):
    """Sends ``signum`` to this process while the ``at``-th sample (0-based) is being read."""

    def __init__(self, signum: int, at: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.signum, self.at, self.reads = signum, at, 0

    def __getitem__(self, index: int) -> dict:
        if self.reads == self.at:
            os.kill(os.getpid(), self.signum)
        self.reads += 1
        return super().__getitem__(index)


def _config(tmp_path: Path, name: str) -> TrainConfig:
    return TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, use_vae=True, z_dim=16, n_layers_d=3,
        batch_size=2, iterations=6, decay_iterations=2, checkpoint_every=100, log_every=1,
        output_dir=str(tmp_path / name), tensorboard=False, seed=3,
    )


def _weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    out = {}
    for prefix, module in [("G", trainer.generator), ("D", trainer.discriminator), ("E", trainer.encoder), ("EMA", trainer.ema.shadow)]:
        out.update({f"{prefix}.{k}": v.clone() for k, v in module.state_dict().items()})
    return out


def _stop_after_step_3(tmp_path: Path, signum: int) -> TrainingStopped:
    """Train until ``signum`` arrives while step 3's batch is read; the run stops after step 3."""
    # Samples 0-1 make step 1, 2-3 step 2...: mid-epoch (4 steps per epoch), with step 3 complete.
    stopped = Trainer(_config(tmp_path, "stopped"), SignalAt(signum, at=4, n=8), show_progress=False)
    previous = signal.getsignal(signum)
    with pytest.raises(TrainingStopped) as caught:
        stopped.fit()
    assert signal.getsignal(signum) is previous  # the handlers are put back
    assert (caught.value.signal_name, caught.value.step) == (signal.Signals(signum).name, 3)
    checkpoints = tmp_path / "stopped" / "checkpoints"
    assert caught.value.checkpoint == checkpoints / "step_00000003"
    assert find_latest_checkpoint(checkpoints) == checkpoints / "step_00000003"
    assert "continue with --resume" in str(caught.value)
    return caught.value


def test_sigusr1_finishes_the_step_saves_and_resumes_bit_identically(tmp_path):
    straight = Trainer(_config(tmp_path, "straight"), ToyPairs(n=8), show_progress=False)
    straight.fit()
    assert straight.step == 8
    _stop_after_step_3(tmp_path, signal.SIGUSR1)
    resumed = Trainer(_config(tmp_path, "stopped"), ToyPairs(n=8), resume=True, show_progress=False)
    assert (resumed.step, resumed.epoch, resumed.batch_in_epoch) == (3, 0, 3)
    resumed.fit()
    assert straight.history[3:] == resumed.history
    a, b = _weights(straight), _weights(resumed)
    assert [k for k in a if not torch.equal(a[k], b[k])] == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sigint_and_sigterm_stop_the_same_way(tmp_path, signum):
    _stop_after_step_3(tmp_path, signum)


def test_a_second_ctrl_c_stops_at_once():
    stops = StopRequests()
    with stops.installed():
        stops._handle(signal.SIGINT, None)
        assert stops.signal_name == "SIGINT"
        with pytest.raises(KeyboardInterrupt):
            stops._handle(signal.SIGINT, None)
        stops._handle(signal.SIGTERM, None)  # a later SIGTERM keeps the first request's name
        assert stops.signal_name == "SIGINT"


def _coco_args(out: Path, iterations: int, *extra: str) -> list[str]:
    root = SHARED / "coco_stuff_sample"
    if not root.is_dir():
        pytest.skip(f"COCO-Stuff sample not found at {root}")
    return ["train", "--dataset", "coco-stuff", "--dataroot", str(root), "--crop-size", "32", "--ngf", "8", "--ndf", "8",
            "--batch-size", "2", "--iterations", str(iterations), "--no-vgg", "--output-dir", str(out),
            "--set", "preprocess=fixed", "--set", "spade_hidden=16", "--set", "tensorboard=false",
            "--set", "checkpoint_every=2", "--set", "keep_checkpoints=100", *extra]


def _env() -> dict[str, str]:
    return dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _signal_after_first_checkpoint(command: list[str], out: Path, signum: int) -> subprocess.CompletedProcess:
    """Start ``command``, send ``signum`` once out/checkpoints/step_00000002 is complete, wait for the exit."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.monotonic() + 240
    try:
        while not (out / "checkpoints" / "step_00000002" / "state.json").is_file():
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the run never wrote its first checkpoint"
            time.sleep(0.05)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


def _final_weights(out: Path, step: int) -> dict[str, torch.Tensor]:
    directory = out / "checkpoints" / f"step_{step:08d}"
    return {f"{name}.{k}": v for name in ("generator", "discriminator") for k, v in read_safetensors(directory / f"{name}.safetensors").items()}


def test_sigterm_to_gaugan_train_checkpoints_exits_75_and_resumes_bit_identically(tmp_path):
    iterations = 20  # long enough that the signal lands mid-run
    straight = subprocess.run([sys.executable, "-m", "gaugan.cli", *_coco_args(tmp_path / "straight", iterations)],
                              capture_output=True, text=True, env=_env(), timeout=600)
    assert straight.returncode == 0, straight.stderr[-3000:]

    out = tmp_path / "run"
    stopped = _signal_after_first_checkpoint([sys.executable, "-m", "gaugan.cli", *_coco_args(out, iterations)], out, signal.SIGTERM)
    assert stopped.returncode == STOPPED_EXIT_STATUS, stopped.stderr[-3000:]
    line = [l for l in stopped.stderr.splitlines() if "stopped by SIGTERM" in l][-1]
    step = int(line.split("after step ")[1].split(";")[0])
    assert 2 <= step < iterations
    assert find_latest_checkpoint(out / "checkpoints") == out / "checkpoints" / f"step_{step:08d}"
    assert json.loads((out / "checkpoints" / f"step_{step:08d}" / "state.json").read_text())["step"] == step
    assert not (out / "final").exists()

    resumed = subprocess.run([sys.executable, "-m", "gaugan.cli", *_coco_args(out, iterations), "--resume"],
                             capture_output=True, text=True, env=_env(), timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    a, b = _final_weights(tmp_path / "straight", iterations), _final_weights(out, iterations)
    assert a.keys() == b.keys() and [k for k in a if not torch.equal(a[k], b[k])] == []


def test_sigterm_to_torchrun_stops_both_ranks_after_the_same_step(tmp_path):
    iterations = 20
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "gaugan.cli"]
    out = tmp_path / "run"
    stopped = _signal_after_first_checkpoint([*torchrun, *_coco_args(out, iterations)], out, signal.SIGTERM)
    assert stopped.returncode != 0  # torchrun reports the stop as its own failure; the workers exit 75
    lines = [l for l in stopped.stderr.splitlines() if "gaugan train: stopped by" in l]
    assert len(lines) == 1, stopped.stderr[-3000:]  # printed once, by rank 0
    step = int(lines[0].split("after step ")[1].split(";")[0])
    assert 2 <= step < iterations
    saved = json.loads((out / "checkpoints" / f"step_{step:08d}" / "state.json").read_text())
    assert saved["step"] == step and find_latest_checkpoint(out / "checkpoints").name == f"step_{step:08d}"

    resumed = subprocess.run([*torchrun, *_coco_args(out, iterations), "--resume"], capture_output=True, text=True,
                             env=_env(), timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert json.loads(resumed.stdout.strip().splitlines()[-1])["step"] == iterations
