"""Two gloo processes with batch 2 each make the same G/D update as one process with batch 4.

Compared: the losses, and the gradients each optimiser receives (after DDP's averaging), with
synchronized batch norm in the generator. Gradients that are mathematically zero (a bias in
front of a batch norm) are float noise on both sides, so the tolerance is relative to the
module's largest gradient; Adam would turn such noise into full +-lr steps, which is why the
test compares what the optimiser receives rather than the weights after Adam, and why the
learning rate is 0: the discriminator step's fakes come from the generator after its Adam step,
which would otherwise carry those noise-driven steps into every discriminator gradient (a 1-4%
difference, seen once the label lookup changed the rounding of the generator's gradients).
"""

import os
import socket

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from train_helpers import ToyPairs

from gaugan.train import TrainConfig, Trainer


def _config(output_dir, batch_size):
    return TrainConfig(
        ngf=8, ndf=8, crop_size=32, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=batch_size,
        iterations=1, checkpoint_every=100, output_dir=str(output_dir), tensorboard=False, ema_decay=None,
        seed=5, init_gain=0.2, lr=0.0,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gradients(trainer) -> dict[str, np.ndarray]:
    out = {}
    for prefix, module in [("G", trainer.generator), ("D", trainer.discriminator)]:
        for name, p in module.named_parameters():
            out[f"{prefix}.{name}"] = p.grad.numpy().copy()
    return out


def _worker(rank, port, output_dir):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    try:
        trainer = Trainer(_config(output_dir, batch_size=2), ToyPairs(n=8), show_progress=False)
        assert trainer.dist.world_size == 2
        trainer.fit()
        np.savez(output_dir / f"rank{rank}.npz", **_gradients(trainer), **{f"loss.{k}": v for k, v in trainer.last_losses.items()})
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_two_processes_match_one_process_with_the_whole_batch(tmp_path):
    mp.spawn(_worker, args=(_free_port(), tmp_path), nprocs=2, join=True)
    ranks = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(2)]
    single = Trainer(_config(tmp_path / "single", batch_size=4), ToyPairs(n=8), show_progress=False)
    single.fit()

    for name, value in single.last_losses.items():
        # Every loss is a batch mean: the mean over processes is the single-process value.
        np.testing.assert_allclose(np.mean([r[f"loss.{name}"] for r in ranks]), value, rtol=1e-5, atol=1e-6, err_msg=name)

    expected = _gradients(single)
    for prefix in ("G", "D"):
        scale = max(np.abs(g).max() for k, g in expected.items() if k.startswith(prefix))
        for key, grad in expected.items():
            if not key.startswith(prefix):
                continue
            # DDP leaves the same averaged gradient on every process.
            np.testing.assert_array_equal(ranks[0][key], ranks[1][key], err_msg=key)
            np.testing.assert_allclose(ranks[0][key], grad, rtol=1e-3, atol=1e-5 * scale, err_msg=key)
    # Not vacuous: the generator's gradients are far from zero.
    assert np.abs(expected["G.fc.weight"]).max() > 1e-3
