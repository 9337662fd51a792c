"""Seconds per training iteration (G step + D step, hinge + feature matching, no VGG).

COCO-Stuff configuration (184 semantic channels, ngf 64, ndf 64, 2 x 4-layer discriminators),
256x256, batch 1, random weights and a random label map, one process. Prints one table measured
in one run; compare rows of the same run only (these machines are noisy).

    python benchmarks/train_step.py [--size 256] [--repeats 3] [--warmup 1] [--precisions fp32 bf16]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gaugan.labels import LabelSet
from gaugan.models import build_model
from gaugan.semantics import semantic_input
from gaugan.train.config import TrainConfig
from gaugan.train.models import discriminator_config, generator_config
from gaugan.train.optim import make_optimizers
from gaugan.train.precision import bf16_is_native
from gaugan.train.step import StepModules, TrainingStep


def time_iterations(precision: str, size: int, repeats: int, warmup: int, channels_last: bool) -> list[float]:
    labels = LabelSet.generic(182, dontcare=True, instance=True)
    config = TrainConfig(crop_size=size, use_vgg=False, precision=precision, channels_last=channels_last)
    torch.manual_seed(0)
    g = build_model(generator_config(config, labels))
    d = build_model(discriminator_config(config, labels))
    if channels_last:
        g.to(memory_format=torch.channels_last)
        d.to(memory_format=torch.channels_last)
    step = TrainingStep(config, StepModules(g, d), make_optimizers(config, g.parameters(), d.parameters()), torch.device("cpu"))
    ids = torch.randint(0, 183, (1, size // 16, size // 16))
    ids = torch.nn.functional.interpolate(ids[:, None].float(), size=(size, size), mode="nearest")[:, 0].long()
    semantics = semantic_input(ids, labels, torch.randint(0, 4, (1, size, size)))
    real = torch.rand(1, 3, size, size) * 2 - 1
    times = []
    for i in range(warmup + repeats):
        start = time.perf_counter()
        step([(semantics, real)])
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--force-bf16", action="store_true", help="time bf16 even without native support")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, {args.size}x{args.size}, batch 1, COCO-Stuff config, no VGG")
    print(f"{'precision':<10} {'median s/it':>12} {'min':>8} {'max':>8} {'speed-up':>9}", flush=True)
    base = None
    for precision in args.precisions:
        if precision == "bf16" and not bf16_is_native() and not args.force_bf16:
            print(f"{precision:<10} {'n/a':>12}  skipped: this CPU ({torch.backends.cpu.get_cpu_capability()}) has no "
                  "native bf16 convolutions, where they run 6-250x slower than fp32 (--force-bf16 to time it)", flush=True)
            continue
        times = time_iterations(precision, args.size, args.repeats, args.warmup, args.channels_last)
        median = statistics.median(times)
        base = base or median
        print(f"{precision:<10} {median:>12.2f} {min(times):>8.2f} {max(times):>8.2f} {base / median:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
