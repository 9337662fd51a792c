"""Seconds per training iteration (G step + D step, hinge + feature matching, no VGG).

COCO-Stuff configuration (184 semantic channels, ngf 64, ndf 64, 2 x 4-layer discriminators),
256x256, batch 1, random weights and a random label map, one process. Variants: precision
(fp32, bf16) x

- ``torch-sn``: the official computation: the one-hot map resized and convolved in every SPADE
  layer and concatenated with the image for the discriminator, and spectral norm's gradient as
  autograd derives it from ``torch.nn.utils.parametrizations.spectral_norm``;
- ``reference``: the same with our spectral norm (`gaugan.nn.spectral`: equal gradient, two
  passes over each weight instead of ~7);
- ``lookup``: also the label lookups (`gaugan.nn.label_lookup`): class ids resized once per
  resolution, SPADE's first conv and the full-resolution discriminator's first conv as table
  lookups; what ``gaugan train`` does on CPU.
 All variants are built first and their iterations
interleaved (one of each per round), so load from other processes hits them alike; the table
gives the median, and the GFLOP of one iteration (``FlopCounterMode``, forward and backward). Compare rows of the same run only (these machines are noisy).
Where the time goes besides arithmetic, per iteration (medians): minor page faults (memory the
allocator hands back to the kernel and touches anew), system CPU seconds, and busy threads (user +
system CPU seconds / wall seconds: below ``--threads`` where the step runs serial work).

    python benchmarks/train_step.py [--size 256] [--ngf 64] [--repeats 3] [--warmup 1]
        [--precisions fp32 bf16] [--variants torch-sn reference lookup] [--threads 2]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import resource
import statistics
import sys
import time

from gaugan.fast import tune_malloc

MALLOC_TUNED = tune_malloc()  # before torch allocates (gaugan.fast.allocator), as `gaugan train` does

import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from gaugan.nn import init as init_module  # noqa: E402

from gaugan.labels import LabelSet  # noqa: E402
from gaugan.models import build_model  # noqa: E402
from gaugan.semantics import semantic_input  # noqa: E402
from gaugan.train.config import TrainConfig  # noqa: E402
from gaugan.train.layout import lay_out, resolve_channels_last  # noqa: E402
from gaugan.train.models import discriminator_config, generator_config  # noqa: E402
from gaugan.train.optim import make_optimizers  # noqa: E402
from gaugan.train.precision import bf16_is_native  # noqa: E402
from gaugan.train.step import StepModules, TrainingStep  # noqa: E402


VARIANTS = ("torch-sn", "reference", "lookup")


def make_step(precision: str, size: int, ngf: int, channels_last: bool | None, variant: str) -> TrainingStep:
    channels_last = resolve_channels_last(channels_last, torch.device("cpu"))
    labels = LabelSet.generic(182, dontcare=True, instance=True)
    config = TrainConfig(crop_size=size, ngf=ngf, use_vgg=False, precision=precision, channels_last=channels_last)
    torch.manual_seed(0)
    with torch_spectral_norm(variant == "torch-sn"):
        g = build_model(generator_config(config, labels))
        d = build_model(discriminator_config(config, labels))
    g.label_lookup = d.label_lookup = variant == "lookup"
    lay_out([g, d], channels_last)  # as `gaugan train` does (gaugan.train.layout)
    return TrainingStep(config, StepModules(g, d), make_optimizers(config, g.parameters(), d.parameters()), torch.device("cpu"))


@contextlib.contextmanager
def torch_spectral_norm(enabled: bool):
    """Build models with torch's own spectral-norm parametrisation while active."""
    if not enabled:
        yield
        return
    from torch.nn.utils.parametrizations import spectral_norm

    spectral_module = sys.modules["gaugan.nn.spectral"]  # `gaugan.nn.spectral` is also a function's name
    saved = spectral_module.spectral_norm, init_module.spectral_norm
    spectral_module.spectral_norm = init_module.spectral_norm = spectral_norm
    try:
        yield
    finally:
        spectral_module.spectral_norm, init_module.spectral_norm = saved


def batch(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    labels = LabelSet.generic(182, dontcare=True, instance=True)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 183, (1, size // 16, size // 16), generator=g)
    ids = torch.nn.functional.interpolate(ids[:, None].float(), size=(size, size), mode="nearest")[:, 0].long()
    instances = torch.randint(0, 4, (1, size // 8, size // 8), generator=g)
    instances = torch.nn.functional.interpolate(instances[:, None].float(), size=(size, size), mode="nearest")[:, 0].long()
    return semantic_input(ids, labels, instances), torch.rand(1, 3, size, size, generator=g) * 2 - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), help="see above")
    parser.add_argument("--channels-last", action=argparse.BooleanOptionalAction, default=None,
                        help="lay the models out channels-last (default: as gaugan train does here, gaugan.train.layout)")
    parser.add_argument("--force-bf16", action="store_true", help="time bf16 even without native support")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, cpu capability {torch.backends.cpu.get_cpu_capability()}, malloc {'tuned' if MALLOC_TUNED else 'defaults'}, {args.threads} threads, {args.size}x{args.size}, batch 1, COCO-Stuff config "
          f"(ngf {args.ngf}), no VGG, {'channels-last' if resolve_channels_last(args.channels_last, torch.device('cpu')) else 'NCHW'} models; median of {args.repeats} interleaved iterations after {args.warmup} warm-up")
    variants = []
    for precision in args.precisions:
        if precision == "bf16" and not bf16_is_native() and not args.force_bf16:
            print(f"{precision}: skipped, this CPU ({torch.backends.cpu.get_cpu_capability()}) has no native bf16 "
                  "convolutions, where they run 6-250x slower than fp32 (--force-bf16 to time it)", flush=True)
            continue
        for variant in args.variants:
            variants.append((f"{precision}, {variant}", make_step(precision, args.size, args.ngf, args.channels_last, variant), []))
    data = [batch(args.size)]
    # One counted iteration per variant (also a warm-up): 2 FLOP per multiply-add of convolutions
    # and matmuls, forward and backward; table lookups and sparse products count 0.
    gflops = []
    for _, step, _ in variants:
        with FlopCounterMode(display=False) as counter:
            step(data)
        gflops.append(counter.get_total_flops() / 1e9)
    for round_index in range(args.warmup + args.repeats):
        for _, step, times in variants:
            before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            step(data)
            wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
            if round_index >= args.warmup:
                times.append(Usage(wall, after.ru_minflt - before.ru_minflt, after.ru_stime - before.ru_stime,
                                   after.ru_utime - before.ru_utime))
    print()
    print("| variant | median s/it | min | max | speed-up | GFLOP / it | GFLOP/s | page faults / it | system s / it | busy threads |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = None
    for (name, _, usages), gflop in zip(variants, gflops):
        walls = [u.wall for u in usages]
        median = statistics.median(walls)
        base = base or median
        faults = statistics.median(u.faults for u in usages)
        system = statistics.median(u.system for u in usages)
        busy = statistics.median((u.user + u.system) / u.wall for u in usages)
        print(f"| {name} | {median:.2f} | {min(walls):.2f} | {max(walls):.2f} | {base / median:.2f}x | {gflop:.0f} | {gflop / median:.0f} "
              f"| {faults:,.0f} | {system:.2f} | {busy:.2f} |", flush=True)


@dataclasses.dataclass
class Usage:
    """One iteration: wall seconds, minor page faults, system and user CPU seconds (all threads)."""

    wall: float
    faults: int
    system: float
    user: float


if __name__ == "__main__":
    main()
