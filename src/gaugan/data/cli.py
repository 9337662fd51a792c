"""`gaugan data check PATH --dataset NAME [--split SPLIT]`: report a dataset's counts, classes, sizes and problems.

`register(subparsers)` adds the ``data`` command (with ``check`` under it) to the ``gaugan`` parser;
the parsed namespace's ``func(args) -> int`` runs it (exit code 1 when problems are found).
"""

from __future__ import annotations

import argparse
import sys

from gaugan.data.errors import DatasetError
from gaugan.data.registry import DATASETS, build_dataset
from gaugan.data.transforms import MODES


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser("data", help="inspect datasets", description="Inspect datasets on disk.")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="scan a dataset and report counts, class histogram, sizes and every problem",
        description="Read every pair of a dataset in its official layout and report counts, the class "
        "histogram, the resolution range and every problem found. Exit code 1 when problems are found.",
    )
    check.add_argument("path", help="the dataset's root folder, as downloaded")
    check.add_argument("--dataset", required=True, choices=DATASETS, help="the dataset's layout")
    check.add_argument("--split", default="train", help="split to scan (default: train; folder datasets: 'all' = every pair)")
    check.add_argument("--palette", help="label set file for --dataset folder (CSV id,name,r,g,b or LabelSet JSON)")
    check.add_argument("--dontcare-value", type=int, help="--dataset folder: the stored id meaning unlabeled (e.g. 255)")
    check.add_argument("--preprocess", choices=MODES, help="check inputs against this preprocess mode (default: the dataset's)")
    check.add_argument("--load-size", type=int, help="load_size for the crop-size check")
    check.add_argument("--crop-size", type=int, help="crop_size for the crop-size check")
    progress = check.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from gaugan.data.check import check_dataset

    title = f"{args.dataset} dataset at {args.path}, split {args.split}"
    options = {"dontcare_value": args.dontcare_value} if args.dontcare_value is not None else {}
    try:
        dataset = build_dataset(
            args.dataset,
            args.path,
            args.split,
            palette=args.palette,
            preprocess=args.preprocess,
            load_size=args.load_size,
            crop_size=args.crop_size,
            strict=False,
            **options,
        )
    except (DatasetError, ValueError) as err:
        # Nothing to scan (missing folder, unknown split, bad palette ...): that is the one problem.
        print(f"{title}\nproblems (1):\n  - {err}")
        return 1
    report = check_dataset(dataset, progress=getattr(args, "progress", None))
    print(report.format(dataset.labels, title))
    sys.stdout.flush()
    return 0 if report.ok else 1
