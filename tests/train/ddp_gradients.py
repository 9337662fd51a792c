"""Shared by the DDP tests: the tiny config, the gradients each optimiser receives, the comparison
with one process holding the whole batch, and (run as a script under torchrun) one rank's run.

    python ddp_gradients.py OUTPUT_DIR      # in each torchrun worker: writes OUTPUT_DIR/rank{RANK}.npz
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from train_helpers import ToyPairs, float64_everywhere  # noqa: E402

from gaugan.train import TrainConfig, Trainer  # noqa: E402


# The comparison runs in float64. In float32 the generator's gradients through its stack of
# synchronized batch norms (few values per channel at the head) differ from one process's by up to
# 7e-4 of the module's largest gradient on an AVX2 EPYC (2 x 2 vs 4 samples: another summation
# order, amplified), while in float64 both sides agree to 1e-14: the float32 gap is rounding,
# not a synchronisation error, and a tolerance loose enough for it would hide real ones.
SIZE = 64


def config(output_dir, batch_size: int, **changes) -> TrainConfig:
    return TrainConfig(**{**dict(
        ngf=8, ndf=8, crop_size=SIZE, spade_hidden=16, use_vgg=False, n_layers_d=3, batch_size=batch_size,
        iterations=1, checkpoint_every=100, output_dir=str(output_dir), tensorboard=False, ema_decay=None,
        seed=5, init_gain=0.2, lr=0.0,
    ), **changes})


def gradients(trainer: Trainer) -> dict[str, np.ndarray]:
    out = {}
    for prefix, module in [("G", trainer.generator), ("D", trainer.discriminator)]:
        for name, p in module.named_parameters():
            out[f"{prefix}.{name}"] = p.grad.numpy().copy()
    return out


def run_rank(output_dir: Path, float64: bool = True, **changes) -> None:
    """One process of a 2-process run (batch 2 each); the rank and world come from the environment;
    ``changes`` replace settings of `config`; without ``float64`` in the modules' own precision."""
    torch.set_num_threads(1)
    try:
        with float64_everywhere() if float64 else contextlib.nullcontext():
            trainer = Trainer(config(output_dir, batch_size=2, **changes), ToyPairs(n=8, size=SIZE), show_progress=False)
            assert trainer.dist.world_size == 2
            trainer.fit()
        rank = trainer.dist.rank
        np.savez(output_dir / f"rank{rank}.npz", **gradients(trainer), **{f"loss.{k}": v for k, v in trainer.last_losses.items()})
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def assert_matches_one_process(output_dir: Path) -> None:
    """rank0/rank1.npz equal (losses averaged, gradients) one process with both batches (batch 4)."""
    ranks = [dict(np.load(output_dir / f"rank{r}.npz")) for r in range(2)]
    with float64_everywhere():
        single = Trainer(config(output_dir / "single", batch_size=4), ToyPairs(n=8, size=SIZE), show_progress=False)
        single.fit()
    for name, value in single.last_losses.items():
        # Every loss is a batch mean: the mean over processes is the single-process value (the
        # step reduces the losses in float32, whatever the modules' precision).
        np.testing.assert_allclose(np.mean([r[f"loss.{name}"] for r in ranks]), value, rtol=1e-6, atol=1e-7, err_msg=name)
    expected = gradients(single)
    for prefix in ("G", "D"):
        scale = max(np.abs(g).max() for k, g in expected.items() if k.startswith(prefix))
        for key, grad in expected.items():
            if not key.startswith(prefix):
                continue
            # DDP leaves the same averaged gradient on every process.
            np.testing.assert_array_equal(ranks[0][key], ranks[1][key], err_msg=key)
            np.testing.assert_allclose(ranks[0][key], grad, rtol=1e-9, atol=1e-11 * scale, err_msg=key)
    # Not vacuous: the generator's gradients are far from zero.
    assert np.abs(expected["G.fc.weight"]).max() > 1e-3


if __name__ == "__main__":
    run_rank(Path(sys.argv[1]))
