"""`gaugan landscapes make -n N --size S -o DIR` and `gaugan landscapes probe [CHECKPOINT] --data DIR`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("landscapes", help="rendered landscape data (paired label maps and pictures)")
    sub = parser.add_subparsers(dest="landscapes_command", metavar="ACTION", required=True)
    make = sub.add_parser("make", help="render N paired scenes into the folder layout")
    make.add_argument("-n", "--count", type=int, required=True)
    make.add_argument("--size", type=int, default=256)
    make.add_argument("--seed", type=int, default=0)
    make.add_argument("--test-fraction", type=float, default=0.1)
    make.add_argument("--workers", type=int, help="processes (default: up to 2)")
    make.add_argument("-o", "--output", required=True)
    make.set_defaults(func=run_make)
    probe = sub.add_parser("probe", help="grass->snow swap and reflection measurements of a landscape model")
    probe.add_argument("checkpoint", nargs="?", default="landscapes", help="checkpoint directory, or \"landscapes\" (the default) for the embedded landscape model")
    probe.add_argument("--data", required=True, help="a folder made by `gaugan landscapes make` at the model's size")
    probe.add_argument("--split", default="test")
    probe.add_argument("--layouts", type=int, default=12)
    probe.add_argument("--seeds", type=int, default=4)
    probe.add_argument("-o", "--output", help="write the results as JSON here")
    probe.set_defaults(func=run_probe)


def run_make(args: argparse.Namespace) -> int:
    from gaugan.landscapes.make import make_dataset

    if args.count < 1:
        print("gaugan landscapes make: -n must be at least 1", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        summary = make_dataset(Path(args.output), args.count, args.size, args.seed, args.test_fraction, args.workers,
                               progress=sys.stderr.isatty())
    except ValueError as err:
        print(f"gaugan landscapes make: {err}", file=sys.stderr)
        return 2
    summary["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(summary))
    return 0


def run_probe(args: argparse.Namespace) -> int:
    from gaugan.default_model import resolve_checkpoint
    from gaugan.landscapes.probe_run import format_probes, run_probes
    from gaugan.pipeline import Synthesizer

    try:
        checkpoint = resolve_checkpoint(args.checkpoint)
        synth = Synthesizer.from_pretrained(checkpoint)
        result = run_probes(synth, Path(args.data), args.split, args.layouts, args.seeds, progress=sys.stderr.isatty())
    except (FileNotFoundError, ValueError) as err:
        print(f"gaugan landscapes probe: {err}", file=sys.stderr)
        return 2
    print(format_probes(result))
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    return 0
