"""Two gloo processes with one thread each against one process with two threads (issue #14).

Both train the same config on the same global batch: one process with ``batch_size`` B and
2 threads, or 2 torchrun processes (gloo, DDP) with B / 2 each and 1 thread. Rounds alternate the
two (one run of each per round) so that load from other processes hits both alike; each run
times ``--steps`` training steps after ``--warmup`` untimed ones, inside `gaugan.train.Trainer`
(process start-up, the first steps' allocations and the checkpoint written at the end are not
counted; the data loading and EMA updates between steps are). The table
gives the median seconds per step and images per second over the rounds.

    python benchmarks/ddp_threads.py [--config configs/streets-pilot-128.yaml] [--dataroot ../shared/data/camvid]
        [--steps 30] [--warmup 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def worker(args: argparse.Namespace) -> None:
    """One run (a process of it, under torchrun): warm up, time, rank 0 prints one JSON line."""
    import torch

    from gaugan.train.config import resolve_config
    from gaugan.train.trainer import Trainer

    world = int(os.environ.get("WORLD_SIZE", "1"))
    overrides = {"dataroot": args.dataroot, "output_dir": args.output, "batch_size": args.batch_size // world,
                 "iterations": 10**6, "decay_iterations": 0, "checkpoint_every": 10**6}
    config = resolve_config(None, args.config, overrides, ["tensorboard=false", "sample_every=1000000", "log_every=1000000",
                                                           f"precision={args.precision}"])
    trainer = Trainer(config, show_progress=False)
    # Time from the end of the last warm-up step to the end of the last timed one: the steps with
    # their data loading and EMA updates in between, not the checkpoint that fit() writes at its end.
    stamps: list[float] = []
    step = trainer.step_fn

    def timed_step(micro_batches):
        losses = step(micro_batches)
        stamps.append(time.perf_counter())
        return losses

    trainer.step_fn = timed_step
    trainer.fit(max_steps=args.warmup + args.steps)
    elapsed = stamps[-1] - stamps[args.warmup - 1]
    if trainer.dist.is_main:
        print(json.dumps({"processes": world, "threads": torch.get_num_threads(), "s_per_step": elapsed / args.steps}))


def run_once(args: argparse.Namespace, processes: int) -> dict:
    threads = 2 // processes
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, __file__, "--worker", "--config", args.config, "--dataroot", args.dataroot,
                   "--batch-size", str(args.batch_size), "--precision", args.precision, "--steps", str(args.steps), "--warmup", str(args.warmup),
                   "--output", out]
        if processes > 1:
            command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes)] + command[1:]
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    if result.returncode != 0:
        raise SystemExit(f"run with {processes} process(es) failed:\n{result.stderr[-3000:]}")
    return json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(REPO / "configs" / "streets-pilot-128.yaml"))
    parser.add_argument("--dataroot", default=str(REPO.parent / "shared" / "data" / "camvid"))
    parser.add_argument("--batch-size", type=int, default=4, help="the global batch (split over the processes)")
    parser.add_argument("--precision", default="auto", help="overrides the config's (the pilot's says bf16, emulated and slow on AVX2)")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (at least 1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.warmup < 1:
        raise SystemExit("--warmup must be at least 1")
    if args.batch_size % 2:
        raise SystemExit("--batch-size must be even (it is split over 2 processes)")
    times: dict[int, list[float]] = {1: [], 2: []}
    for round_index in range(args.rounds):
        for processes in (1, 2):
            times[processes].append(run_once(args, processes)["s_per_step"])
            print(f"round {round_index + 1}: {processes} process(es) {times[processes][-1]:.3f} s/step", file=sys.stderr)
    print(f"{Path(args.config).name}, global batch {args.batch_size}, {args.steps} timed steps x {args.rounds} rounds (median)")
    print(f"{'layout':<34}{'s/step':>8}{'img/s':>8}{'ratio':>8}")
    base = statistics.median(times[1])
    for processes, label in ((1, "1 process x 2 threads"), (2, "2 gloo processes x 1 thread (DDP)")):
        median = statistics.median(times[processes])
        print(f"{label:<34}{median:>8.3f}{args.batch_size / median:>8.2f}{base / median:>7.2f}x")


if __name__ == "__main__":
    main()
