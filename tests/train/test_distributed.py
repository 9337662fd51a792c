"""Two gloo processes with batch 2 each make the same G/D update as one process with batch 4:
spawned on one machine, and launched as two torchrun nodes (--nnodes 2) over loopback.

Compared in float64 (see ddp_gradients.py: float32 rounding is amplified up to 7e-4 through the
synchronized batch norms): the losses, and the gradients each optimiser receives (after DDP's
averaging), with synchronized batch norm in the generator. Gradients that are mathematically zero
(a bias in front of a batch norm) are rounding noise on both sides, so the tolerance is relative to
the module's largest gradient; Adam would turn such noise into full +-lr steps, which is why the
test compares what the optimiser receives rather than the weights after Adam, and why the
learning rate is 0: the generator's step runs against the discriminator after its Adam step,
which would otherwise carry those noise-driven steps into every generator gradient.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch.multiprocessing as mp
from ddp_gradients import assert_matches_one_process, run_rank

SCRIPT = Path(__file__).with_name("ddp_gradients.py")
SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, port, output_dir, changes=None):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank))
    run_rank(output_dir, float64=changes is None, **(changes or {}))


def test_two_processes_match_one_process_with_the_whole_batch(tmp_path):
    mp.spawn(_worker, args=(_free_port(), tmp_path), nprocs=2, join=True)
    assert_matches_one_process(tmp_path)


def test_the_pictures_of_prior_codes_train_both_processes_alike(tmp_path):
    """lambda_gan_prior adds a second generator pass per step, from codes each process draws from
    the prior: DDP still leaves both processes the same averaged generator gradient."""
    changes = dict(use_vae=True, z_dim=16, lambda_gan_prior=1.0, precision="fp32")
    mp.spawn(_worker, args=(_free_port(), tmp_path, changes), nprocs=2, join=True)
    ranks = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(2)]
    generator = [key for key in ranks[0] if key.startswith("G.")]
    assert generator and ranks[0]["loss.G_GAN_prior"] != ranks[1]["loss.G_GAN_prior"]  # each its own codes
    for key in generator:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key], err_msg=key)
    assert np.abs(ranks[0]["G.fc.weight"]).max() > 1e-3


def test_two_torchrun_nodes_over_loopback_match_one_process(tmp_path):
    """torchrun --nnodes 2 (one process each) on one machine: the multi-node launch path end to end."""
    port = _free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nodes = [
        subprocess.Popen(
            [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "1", "--node_rank", str(node),
             "--master_addr", "127.0.0.1", "--master_port", str(port), str(SCRIPT), str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        for node in (0, 1)
    ]
    try:
        outputs = [node.communicate(timeout=300)[0] for node in nodes]
    finally:
        for node in nodes:
            if node.poll() is None:
                node.kill()
    assert [node.returncode for node in nodes] == [0, 0], "\n".join(o[-2000:] for o in outputs)
    assert_matches_one_process(tmp_path)
