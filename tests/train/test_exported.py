"""Training runs and training checkpoints used wherever a checkpoint is: exported as `gaugan train`'s end does."""

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from gaugan.cli import main
from gaugan.models import GauGAN
from gaugan.models.weights import CheckpointError, read_safetensors
from gaugan.train import TrainConfig, Trainer
from gaugan.train.exported import find_training_checkpoint, inference_checkpoint


@pytest.fixture(scope="module")
def run(tmp_path_factory, shared_data):
    """A finished 4-step run on 8 real LabelMeFacade pairs at 32 px: checkpoints at steps 2 and 4, and final/."""
    output = tmp_path_factory.mktemp("exported") / "run"
    config = TrainConfig(
        dataset="labelmefacade", dataroot=str(shared_data / "labelmefacade"), max_samples=8, load_size=36, crop_size=32,
        ngf=8, ndf=8, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=2, iterations=4, checkpoint_every=2,
        keep_checkpoints=3, output_dir=str(output), tensorboard=False, ema_decay=0.9,
    )
    torch.set_num_threads(1)
    Trainer(config, show_progress=False).fit()
    return output


def _tensors(directory):
    return read_safetensors(directory / "generator.safetensors")


def test_the_export_of_a_runs_last_checkpoint_is_its_final_model(run):
    exported = inference_checkpoint(run)
    assert exported == run / "exports" / "step_00000004"
    final, again = _tensors(run / "final"), _tensors(exported)
    assert final.keys() == again.keys()
    for name in final:
        assert torch.equal(final[name], again[name]), name  # EMA, spectral vectors and BN statistics alike
    assert GauGAN.from_pretrained(exported).labels.names[:2] == ("various", "building")
    source = json.loads((exported / "source.json").read_text())
    assert source["step"] == 4 and source["generator"] == "ema"
    # Reused while the checkpoint is unchanged: no second export.
    stamp = (exported / "generator.safetensors").stat().st_mtime_ns
    assert inference_checkpoint(run) == exported and (exported / "generator.safetensors").stat().st_mtime_ns == stamp


def test_export_step_and_raw(run, tmp_path, capsys):
    assert main(["export", str(run), "--step", "2", "--raw", "-o", str(tmp_path / "raw2")]) == 0
    trained = read_safetensors(run / "checkpoints" / "step_00000002" / "generator.safetensors")
    raw = _tensors(tmp_path / "raw2")
    assert trained.keys() == raw.keys() and all(torch.equal(trained[k], raw[k]) for k in trained)
    assert main(["export", str(run), "--step", "2", "-o", str(tmp_path / "ema2")]) == 0
    ema = read_safetensors(run / "checkpoints" / "step_00000002" / "ema_generator.safetensors")
    exported = _tensors(tmp_path / "ema2")
    weights = [k for k in ema if k.endswith(("weight", "bias", "original")) and "running" not in k]
    assert weights and all(torch.equal(ema[k], exported[k]) for k in weights)
    assert any(not torch.equal(ema[k], raw[k]) for k in weights)  # the EMA, not the trained weights

    assert main(["export", str(run), "--step", "3", "-o", str(tmp_path / "x")]) == 2
    assert "has no complete checkpoint of step 3 (steps kept: 2, 4)" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["export", str(run / "final"), "--format", "checkpoint", "-o", str(tmp_path / "y")]) == 2
    assert "already an inference checkpoint" in capsys.readouterr().err


def test_synthesize_from_a_run_and_from_a_step_checkpoint(run, tmp_path, shared_data, capsys):
    label = shared_data / "labelmefacade" / "labels" / "05june05_static_street_boston__p1010739.png"
    assert main(["synthesize", str(run / "checkpoints" / "step_00000002"), str(label), "-o", str(tmp_path / "a")]) == 0
    assert "exporting" in capsys.readouterr().err
    assert main(["synthesize", str(run), str(label), "-o", str(tmp_path / "b"), "--raw"]) == 0
    a = np.asarray(Image.open(next((tmp_path / "a").glob("*_seed0.png"))))
    b = np.asarray(Image.open(next((tmp_path / "b").glob("*_seed0.png"))))
    assert a.shape == b.shape == (32, 32, 3) and not np.array_equal(a, b)  # step 2's EMA vs step 4's trained generator
    assert main(["synthesize", "streets", str(label), "-o", str(tmp_path / "c"), "--raw"]) == 2
    assert "apply to training runs" in capsys.readouterr().err


def test_a_checkpoint_copied_out_of_its_run_keeps_its_step_and_exports_beside_itself(run, tmp_path):
    copy = tmp_path / "kept" / "fine-256-step2"  # any name: the step is read from its state
    shutil.copytree(run / "checkpoints" / "step_00000002", copy)
    exported = inference_checkpoint(copy)
    assert exported == tmp_path / "kept" / "fine-256-step2-exports" / "fine-256-step2"
    assert json.loads((exported / "source.json").read_text())["step"] == 2
    ema = read_safetensors(copy / "ema_generator.safetensors")
    assert all(torch.equal(ema[k], _tensors(exported)[k]) for k in ema if k.endswith(("weight", "bias")) and "running" not in k)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]  # nothing written above the copy's folder
    with pytest.raises(CheckpointError, match="the checkpoint of step 2, not 4"):
        find_training_checkpoint(copy, step=4)
    state = copy / "state.json"
    state.write_text("{not json")
    with pytest.raises(CheckpointError, match="state.json: cannot read the checkpoint's step"):
        find_training_checkpoint(copy, step=4)


def test_a_damaged_newest_checkpoint_is_skipped(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("exports"))
    newest = copy / "checkpoints" / "step_00000004" / "generator.safetensors"
    newest.write_bytes(newest.read_bytes()[:-10] + b"0123456789")
    assert find_training_checkpoint(copy).name == "step_00000002"
    with pytest.raises(CheckpointError, match="neither a training run"):
        find_training_checkpoint(tmp_path)


def test_a_run_whose_data_is_gone_says_so(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("exports"))
    state = copy / "checkpoints" / "step_00000004" / "state.json"
    payload = json.loads(state.read_text())
    payload["config"]["dataroot"] = str(tmp_path / "gone")
    state.write_text(json.dumps(payload))
    (copy / "checkpoints" / "step_00000004" / "checksums.json").unlink()  # an edited state is not damage here
    with pytest.raises(CheckpointError, match="re-estimates batch-norm statistics on the run's training data"):
        inference_checkpoint(copy)
    assert not (copy / "exports" / "step_00000004").exists()


def test_serve_takes_runs_beside_embedded_models(run):
    from gaugan.app.cli import checkpoint_arguments

    (name, directory, _), = checkpoint_arguments([str(run / "checkpoints" / "step_00000002")], raw=True)
    assert directory == run / "exports" / "step_00000002-raw" and GauGAN.from_pretrained(directory).labels.num_classes == 9
    assert name == "step_00000002"
