"""Generator forward time: the reference SPADE generator vs its fast path, bf16, torch.compile,
onnxruntime and CLADE.

COCO-Stuff configuration (184 semantic channels: 182 classes + don't-care + instance edges,
ngf 64), batch 1, random weights (Glorot, gain 0.02) whose batch-norm statistics come from two
train-mode forwards, eval mode, no gradients. Every variant is timed in this one process with
the same allocator settings and thread count; repeats are interleaved (one forward of each
variant per round) so that load from other processes hits all of them alike, and the table
shows the median. Compare rows of one run only.

The label map is a real COCO-Stuff validation map when ``--label-map`` is given (resized
nearest), else a synthetic map of Voronoi regions with random classes and one instance per
region. A "noise labels" row shows the fast path's worst case: a label map with no uniform
region at all, where every pixel takes the per-pixel path.

GFLOP per forward is counted by ``torch.utils.flop_counter.FlopCounterMode`` on the module that
runs (2 per multiply-add of convolutions and matmuls; table lookups count 0); for onnxruntime,
on the torch module it was exported from (`gaugan.export.graphs`). GFLOP/s = GFLOP / median time.

    python benchmarks/generator.py [--sizes 256 128] [--repeats 5] [--warmup 1] [--threads 2]
        [--label-map train_label/X.png --instance-map train_inst/X.png] [--compile] [--force-bf16]
        [--no-malloc-tuning] [--no-onnx] [--quick]
"""

from __future__ import annotations

import sys

from gaugan.fast import tune_malloc

# glibc tuning works best before torch allocates anything (gaugan.fast.allocator), so it happens
# here, above the torch imports, for every variant alike (unless --no-malloc-tuning).
MALLOC_TUNED = "--no-malloc-tuning" not in sys.argv and tune_malloc()

import argparse  # noqa: E402
import datetime  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from gaugan.export import OnnxGauGAN, export_onnx  # noqa: E402
from gaugan.export.graphs import LookupSPADEGraph  # noqa: E402
from gaugan.fast import FastCLADEGenerator, FastSPADEGenerator  # noqa: E402
from gaugan.label_codes import LabelCodes, split_semantics  # noqa: E402
from gaugan.labels import LabelSet  # noqa: E402
from gaugan.models import CLADEGenerator, CLADEGeneratorConfig, GauGAN, SPADEGenerator, SPADEGeneratorConfig  # noqa: E402
from gaugan.semantics import semantic_input  # noqa: E402
from gaugan.train.precision import bf16_is_native  # noqa: E402

LABELS = LabelSet.generic(182, dontcare=True, instance=True)
NUM_ONEHOT = LABELS.num_classes + 1  # classes + don't-care; the last channel is the edge map


@dataclass
class Variant:
    name: str
    run: Callable[[], torch.Tensor]
    times: list[float]
    faults: list[int]
    max_diff: float | None = None  # vs the reference, relative to the reference's largest |value|
    gflop: float | None = None


def count_gflop(run: Callable[[], object]) -> float:
    """GFLOP of one call (2 per multiply-add; lookups and element-wise ops count 0)."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        run()
    return counter.get_total_flops() / 1e9


def voronoi_labels(size: int, regions: int = 24, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(1, size, size) class ids and instance ids of random Voronoi regions."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.rand(regions, 2, generator=g) * size
    grid = torch.stack(torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij"), -1).reshape(-1, 2).float()
    region = torch.cdist(grid, centres).argmin(dim=1).view(1, size, size)
    classes = torch.randint(0, LABELS.num_classes + 1, (regions,), generator=g)
    return classes[region], region


def file_labels(label_path: str, instance_path: str | None, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A COCO-Stuff label PNG (ids 0..181, 255 unlabeled) and instance PNG, resized nearest."""
    ids = torch.from_numpy(np.array(Image.open(label_path).resize((size, size), Image.NEAREST))).long()
    ids[ids == 255] = LABELS.num_classes  # don't-care
    if instance_path is None:
        instances = ids.clone()
    else:
        instances = torch.from_numpy(np.array(Image.open(instance_path).resize((size, size), Image.NEAREST)).astype(np.int64))
    return ids[None], instances[None]


def irregular_fraction(semantics: torch.Tensor) -> float:
    """Share of pixels whose 5x5 neighbourhood (class + edge) is not uniform: SPADE k=3's per-pixel path."""
    codes = LabelCodes(*split_semantics(semantics, NUM_ONEHOT), NUM_ONEHOT)
    level = codes.at(codes.size)
    return level.windows(3).irregular(2).numel() / level.codes.numel()


def with_batchnorm_statistics(generator: torch.nn.Module, semantics: torch.Tensor) -> torch.nn.Module:
    """Two train-mode forwards so eval-mode batch norm sees realistic running statistics."""
    generator.train()
    with torch.no_grad():
        for _ in range(2):
            generator(semantics)
    return generator.eval()


def build_variants(size: int, ids: torch.Tensor, instances: torch.Tensor, noise: torch.Tensor, args, notes: list[str]) -> list[Variant]:
    """The models to time, each checked against the reference; ``notes`` collects skipped rows."""
    semantics = semantic_input(ids, LABELS, instances)
    torch.manual_seed(0)
    config = dict(semantic_channels=LABELS.semantic_channels, width=size)
    reference = with_batchnorm_statistics(SPADEGenerator(SPADEGeneratorConfig(**config)), semantics)
    fast_options = dict(num_onehot_channels=NUM_ONEHOT, malloc_tuning=False)
    fast = FastSPADEGenerator.from_generator(reference, **fast_options)
    # (name, callable, FLOP-counting callable or None to reuse the previous count,
    #  compare with: True the SPADE reference, "clade" the CLADE reference, False nothing)
    rows: list[tuple[str, Callable[[], torch.Tensor], Callable[[], object] | None, bool]] = [
        ("SPADE reference (fp32)", lambda: reference(semantics), lambda: reference(semantics), False),
        ("fast fp32", lambda: fast(semantics), lambda: fast(semantics), True),
    ]
    if not args.quick:
        no_interior = FastSPADEGenerator.from_generator(reference, interior_lookup=False, **fast_options)
        rows.append(("fast fp32, no interior lookup", lambda: no_interior(semantics), lambda: no_interior(semantics), True))
        rows.append(("fast fp32, noise labels (worst case)", lambda: fast(noise), lambda: fast(noise), False))
    if bf16_is_native() or args.force_bf16:
        fast_bf16 = FastSPADEGenerator.from_generator(reference, precision="bf16", **fast_options)
        rows.append(("fast bf16 autocast", lambda: fast_bf16(semantics), None, True))
    else:
        notes.append("fast bf16: skipped, this CPU has no native bf16 convolutions "
                     "(torch.ops.mkldnn._is_mkldnn_bf16_supported() is False; 6-250x slower than fp32 here; --force-bf16 to time it)")
    if args.compile:
        compiled = FastSPADEGenerator.from_generator(reference, compile=True, **fast_options)
        start = time.perf_counter()
        compiled(semantics)
        notes.append(f"torch.compile of the fast path: {time.perf_counter() - start:.0f} s to compile at {size}x{size}")
        rows.append(("fast fp32 + torch.compile", lambda: compiled(semantics), None, True))
    else:
        notes.append("torch.compile: skipped (--compile to time it; compiling the fast path took 3-5 minutes here, "
                     "with graph breaks at its data-dependent label processing, and gained nothing measurable)")
    if not args.no_onnx:
        onnx_dir = tempfile.TemporaryDirectory(prefix="gaugan-bench-onnx-")
        export_onnx(GauGAN(reference, LABELS), Path(onnx_dir.name) / "onnx")
        runtime = OnnxGauGAN(Path(onnx_dir.name) / "onnx", threads=args.threads)
        onnx_dir.cleanup()  # the sessions hold the model
        graph = LookupSPADEGraph(reference, LABELS)
        rows.append(("onnxruntime (lookup graph, fp32)", lambda: runtime.generate(ids, instances), lambda: graph(ids, instances), True))
    clade = CLADEGeneratorConfig(edge_channel=True, **config)
    clade_model = with_batchnorm_statistics(CLADEGenerator(clade), semantics)
    rows.append(("CLADE reference (fp32)", lambda: clade_model(semantics), lambda: clade_model(semantics), False))
    fast_clade = FastCLADEGenerator.from_generator(clade_model, malloc_tuning=False)
    rows.append(("CLADE fast fp32", lambda: fast_clade(semantics), lambda: fast_clade(semantics), "clade"))
    if bf16_is_native() or args.force_bf16:
        fast_clade_bf16 = FastCLADEGenerator.from_generator(clade_model, precision="bf16", malloc_tuning=False)
        rows.append(("CLADE fast bf16 autocast", lambda: fast_clade_bf16(semantics), None, "clade"))
    if not args.quick:
        icpe = CLADEGeneratorConfig(edge_channel=True, positional_encoding=True, **config)
        icpe_model = with_batchnorm_statistics(CLADEGenerator(icpe), semantics)
        rows.append(("CLADE-ICPE reference (fp32)", lambda: icpe_model(semantics), lambda: icpe_model(semantics), False))

    out = []
    gflop = None
    with torch.no_grad():
        expected = {True: reference(semantics), "clade": clade_model(semantics)}
        for name, run, flops, compare in rows:
            gflop = count_gflop(flops) if flops is not None else gflop
            variant = Variant(name, run, [], [], gflop=gflop)
            if compare:
                variant.max_diff = ((run() - expected[compare]).abs().max() / expected[compare].abs().max()).item()
            out.append(variant)
    return out


def time_variants(variants: list[Variant], repeats: int, warmup: int) -> None:
    with torch.no_grad():
        for _ in range(warmup):
            for variant in variants:
                variant.run()
        for _ in range(repeats):
            for variant in variants:
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                start = time.perf_counter()
                variant.run()
                variant.times.append(time.perf_counter() - start)
                variant.faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 128])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--label-map", help="a COCO-Stuff label PNG (default: synthetic Voronoi regions)")
    parser.add_argument("--instance-map", help="its instance PNG")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile of the fast path (minutes to compile)")
    parser.add_argument("--force-bf16", action="store_true", help="time bf16 even on CPUs without native bf16 convolutions")
    parser.add_argument("--no-malloc-tuning", action="store_true", help="keep glibc malloc's defaults (see gaugan.fast.allocator)")
    parser.add_argument("--no-onnx", action="store_true", help="leave out onnxruntime (its export takes a while at 256x256)")
    parser.add_argument("--quick", action="store_true", help="128x128 only, 2 repeats, fewer variants (about a minute)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats = [128], 2
    torch.set_num_threads(args.threads)
    if any(name.startswith("MALLOC_") for name in os.environ):
        malloc = "from the environment (MALLOC_*_)"
    elif args.no_malloc_tuning:
        malloc = "glibc defaults"
    else:
        malloc = "tuned before importing torch (gaugan.fast.tune_malloc)" if MALLOC_TUNED else "defaults (tuning unavailable)"

    print(f"{datetime.date.today()}  {platform.processor() or platform.machine()}  torch {torch.__version__}  "
          f"cpu capability {torch.backends.cpu.get_cpu_capability()}  threads {args.threads}  malloc {malloc}")
    print()
    print("| size | variant | ms / image | min | max | vs reference | GFLOP | GFLOP/s | page faults / forward | max diff (rel.) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    notes: list[str] = []
    for size in args.sizes:
        if args.label_map:
            ids, instances = file_labels(args.label_map, args.instance_map, size)
        else:
            ids, instances = voronoi_labels(size)
        semantics = semantic_input(ids, LABELS, instances)
        noise_ids = torch.randint(0, NUM_ONEHOT, (1, size, size), generator=torch.Generator().manual_seed(1))
        noise = semantic_input(noise_ids, LABELS, noise_ids)
        variants = build_variants(size, ids, instances, noise, args, notes)
        time_variants(variants, args.repeats, args.warmup)
        base = statistics.median(variants[0].times)
        for v in variants:
            median = statistics.median(v.times)
            diff = "" if v.max_diff is None else f"{v.max_diff:.1e}"
            print(f"| {size} | {v.name} | {1000 * median:.0f} | {1000 * min(v.times):.0f} | {1000 * max(v.times):.0f} | "
                  f"{base / median:.2f}x | {v.gflop:.1f} | {v.gflop / median:.0f} | {statistics.median(v.faults):,.0f} | {diff} |",
                  flush=True)
        source = args.label_map or "synthetic Voronoi regions"
        print(f"|  | label map: {source}; {irregular_fraction(semantics):.0%} of pixels near a boundary |  |  |  |  |  |  |  |  |",
              flush=True)
    print()
    for note in dict.fromkeys(notes):
        print(f"- {note}")


if __name__ == "__main__":
    main()
