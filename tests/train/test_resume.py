"""Kill-and-resume: 6 steps in one go == 3 steps, stop, resume, 3 more (bit-identical on CPU)."""

import dataclasses

import pytest
import torch
from train_helpers import ToyPairs

from gaugan.train import TrainConfig, Trainer


def _config(tmp_path, name, channels_last=None):
    return TrainConfig(channels_last=channels_last,
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, use_vae=True, z_dim=16, n_layers_d=3,
        batch_size=2, iterations=4, decay_iterations=2, checkpoint_every=100, log_every=1,
        output_dir=str(tmp_path / name), tensorboard=False, seed=3,
    )


def _weights(trainer):
    out = {}
    for prefix, module in [("G", trainer.generator), ("D", trainer.discriminator), ("E", trainer.encoder), ("EMA", trainer.ema.shadow)]:
        out.update({f"{prefix}.{k}": v.clone() for k, v in module.state_dict().items()})
    return out


@pytest.mark.parametrize("channels_last", [False, True], ids=["nchw", "channels-last"])
def test_resumed_run_is_bit_identical_to_an_uninterrupted_one(tmp_path, channels_last):
    # 8 samples / batch 2 = 4 steps per epoch: the stop falls mid-epoch, the run crosses an epoch.
    # Both layouts, whichever this CPU's default is (gaugan.train.layout): a channels-last run restores
    # Adam's moments from contiguous checkpoint tensors.
    straight = Trainer(_config(tmp_path, "straight", channels_last), ToyPairs(n=8), show_progress=False)
    straight.fit()
    assert straight.step == 6

    first = Trainer(_config(tmp_path, "resumed", channels_last), ToyPairs(n=8), show_progress=False)
    first.fit(max_steps=3)
    assert first.step == 3 and (tmp_path / "resumed/checkpoints/step_00000003/state.json").is_file()
    del first
    second = Trainer(_config(tmp_path, "resumed", channels_last), ToyPairs(n=8), resume=True, show_progress=False)
    assert (second.step, second.epoch, second.batch_in_epoch) == (3, 0, 3)
    second.fit()

    assert straight.history[3:] == second.history  # losses of steps 4-6, exactly
    a, b = _weights(straight), _weights(second)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert different == []
    # The learning rate decayed linearly over the last 2 steps: at step 6 the factor is 0.5.
    assert second.optimizers[0].param_groups[0]["lr"] == 0.0001 * 0.5


def test_resume_refuses_a_checkpoint_of_another_model_config(tmp_path):
    config = _config(tmp_path, "run")
    Trainer(config, ToyPairs(n=8), show_progress=False).fit(max_steps=1)
    wider = dataclasses.replace(config, ngf=16)
    try:
        Trainer(wider, ToyPairs(n=8), resume=True, show_progress=False)
    except ValueError as err:
        assert "ngf=8" in str(err) and "ngf=16" in str(err)
    else:
        raise AssertionError("resuming with another ngf must fail")
