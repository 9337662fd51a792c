"""`gaugan data check PATH --dataset NAME`."""

from __future__ import annotations

import argparse
import sys

from gaugan.data.errors import DatasetError
from gaugan.data.registry import DATASETS, build_dataset


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser("data", help="inspect datasets")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    check = data_sub.add_parser("check", help="scan a dataset and report counts, classes, sizes and every problem")
    check.add_argument("path", help="the dataset's root folder")
    check.add_argument("--dataset", required=True, choices=DATASETS)
    check.add_argument("--split", default="train")
    check.add_argument("--palette", help="palette file for colour-coded folder datasets")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from gaugan.data.check import check_dataset

    try:
        dataset = build_dataset(args.dataset, args.path, args.split, palette=args.palette)
    except DatasetError as err:
        print(f"gaugan data check: {err}", file=sys.stderr)
        return 1
    report = check_dataset(dataset, progress=sys.stderr.isatty())
    print(report.format(dataset))
    return 1 if report.problems else 0
