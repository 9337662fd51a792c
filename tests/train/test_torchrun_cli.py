"""`torchrun --nproc_per_node 2 -m gaugan.cli train ...` trains with 2 gloo processes end to end."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("GAUGAN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))


def test_torchrun_two_processes_train_checkpoint_and_export(tmp_path):
    root = SHARED / "coco_stuff_sample"
    if not root.is_dir():
        pytest.skip(f"COCO-Stuff sample not found at {root}")
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "gaugan.cli", "train", "--dataset", "coco-stuff", "--dataroot", str(root),
        "--crop-size", "32", "--ngf", "8", "--ndf", "8", "--batch-size", "2", "--iterations", "3",
        "--no-vgg", "--output-dir", str(out), "--set", "preprocess=fixed", "--set", "spade_hidden=16",
        "--set", "tensorboard=false",
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 process(es)" in result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])  # printed once, by rank 0
    assert summary["step"] == 3 and set(summary["losses"]) >= {"G_GAN", "G_feat", "D_fake", "D_real"}
    assert len([line for line in result.stdout.splitlines() if line.startswith("{")]) == 1
    saved = json.loads((out / "checkpoints/step_00000003/state.json").read_text())
    assert saved["step"] == 3 and saved["config"]["batch_size"] == 2
    assert sorted(p.name for p in (out / "final").iterdir()) == ["checksums.json", "config.json", "generator.safetensors"]
