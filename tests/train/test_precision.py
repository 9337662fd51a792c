"""``precision: auto``: bf16 where the CPU computes it natively, fp32 elsewhere; resolved per run."""

import json

import pytest
import torch
from train_helpers import ToyPairs

import gaugan.train.precision as precision
from gaugan.train import TrainConfig, Trainer
from gaugan.train.precision import resolve_precision


@pytest.mark.parametrize("native, expected", [(True, "bf16"), (False, "fp32")])
def test_auto_is_bf16_only_on_a_cpu_with_native_bf16(monkeypatch, native, expected):
    monkeypatch.setattr(precision, "bf16_is_native", lambda device="cpu": native)
    assert resolve_precision("auto", "cpu") == expected
    assert resolve_precision("auto", torch.device("cuda")) == "fp32"  # not measured against fp32 on GPUs
    assert resolve_precision("auto", "cpu", discriminator="oasis") == "fp32"  # its segmentation learned less in bf16
    for explicit in ("fp32", "bf16", "fp16"):
        assert resolve_precision(explicit, "cpu") == explicit


@pytest.mark.parametrize("native", [True, False])
def test_a_run_resolves_auto_when_it_starts_and_keeps_auto_in_its_config(tmp_path, monkeypatch, capsys, native):
    monkeypatch.setattr(precision, "bf16_is_native", lambda device="cpu": native)
    config = TrainConfig(ngf=8, ndf=8, crop_size=32, use_vgg=False, batch_size=2, iterations=1, checkpoint_every=1,
                         output_dir=str(tmp_path / "run"), tensorboard=False)
    assert config.precision == "auto"  # the default
    trainer = Trainer(config, ToyPairs(n=2), show_progress=True)
    assert trainer.step_fn.amp_dtype == (torch.bfloat16 if native else None)
    assert f"precision auto -> {'bf16' if native else 'fp32'}" in capsys.readouterr().err
    trainer.fit()
    # The run's config says auto: resumed on another machine, it computes in what suits that one.
    assert json.loads((tmp_path / "run" / "train_config.json").read_text())["precision"] == "auto"
