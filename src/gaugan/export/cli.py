"""`gaugan export CHECKPOINT --format onnx [-o OUT_DIR]`: deployment files for a trained checkpoint.

Writes OUT_DIR (default CHECKPOINT/onnx/) with generator.onnx [+ encoder.onnx] and manifest.json,
after checking the export against PyTorch on random label maps (the max difference is printed;
above --tolerance nothing is written and the exit code is 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("onnx",)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export a checkpoint for deployment (ONNX)")
    parser.add_argument("checkpoint", help="checkpoint directory (config.json + generator.safetensors)")
    parser.add_argument("--format", choices=FORMATS, default="onnx", help="export format (default onnx)")
    parser.add_argument("-o", "--output", help="output directory (default: CHECKPOINT/onnx)")
    parser.add_argument("--opset", type=int, default=None, help="ONNX opset (default 17)")
    parser.add_argument("--tolerance", type=float, default=None, help="largest accepted max |onnx - torch| (default 1e-4)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gaugan.export.manifest import ExportError
    from gaugan.export.onnx_export import OPSET, TOLERANCE, export_onnx
    from gaugan.models import CheckpointError, GauGAN

    checkpoint = Path(args.checkpoint)
    try:
        model = GauGAN.from_pretrained(checkpoint)
    except CheckpointError as err:
        print(f"gaugan export: {err}", file=sys.stderr)
        return 2
    out = Path(args.output) if args.output else checkpoint / "onnx"
    try:
        export_onnx(model, out, checkpoint=checkpoint, opset=args.opset or OPSET,
                    tolerance=TOLERANCE if args.tolerance is None else args.tolerance, log=print)
    except ExportError as err:
        print(f"gaugan export: {err}", file=sys.stderr)
        return 1
    return 0
