"""`gaugan export CHECKPOINT [--format onnx|checkpoint] [-o OUT_DIR]`: files for a trained model.

``onnx`` (the default for an inference checkpoint) writes OUT_DIR (default CHECKPOINT/onnx/) with
generator.onnx [+ encoder.onnx] and manifest.json, after checking the export against PyTorch on
random label maps (the max difference is printed; above --tolerance nothing is written and the exit
code is 1). ``checkpoint`` (the default for a training run or checkpoint) writes the inference
checkpoint of a run's newest (or ``--step N``) checkpoint: `gaugan export RUN --step 400 -o DIR`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("onnx", "checkpoint")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export a checkpoint for deployment (ONNX) or a training run as a checkpoint")
    parser.add_argument("checkpoint", help="checkpoint directory (config.json + generator.safetensors), a training run, "
                                           "or one of its checkpoints (RUN/checkpoints/step_N)")
    parser.add_argument("--format", choices=FORMATS,
                        help="onnx, or checkpoint (an inference checkpoint directory); default: checkpoint for a "
                             "training run or checkpoint, else onnx")
    parser.add_argument("--step", type=int, help="with a training run: the checkpoint of this step (default: the newest)")
    parser.add_argument("--raw", action="store_true", help="with a training run: the trained generator, not its EMA average")
    parser.add_argument("-o", "--output", help="output directory (default: CHECKPOINT/onnx; required for --format checkpoint)")
    parser.add_argument("--opset", type=int, default=None, help="ONNX opset (default 17)")
    parser.add_argument("--tolerance", type=float, default=None, help="largest accepted max |onnx - torch| (default 1e-4)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gaugan.export.manifest import ExportError
    from gaugan.export.onnx_export import OPSET, TOLERANCE, export_onnx
    from gaugan.models import CheckpointError, GauGAN

    from gaugan.default_model import resolve_checkpoint
    from gaugan.train.exported import export_training_checkpoint, find_training_checkpoint, is_training_path

    training = is_training_path(args.checkpoint)
    fmt = args.format or ("checkpoint" if training else "onnx")
    try:
        if fmt == "checkpoint":
            if not training:
                raise CheckpointError(f"{args.checkpoint} is already an inference checkpoint (--format checkpoint "
                                      "exports training runs and checkpoints)")
            if not args.output:
                raise CheckpointError("--format checkpoint needs -o DIR")
            source = find_training_checkpoint(args.checkpoint, args.step)
            out = export_training_checkpoint(source, Path(args.output), raw=args.raw)
            print(f"wrote {out} from {source} ({'trained generator' if args.raw else 'EMA generator'})")
            return 0
        checkpoint = resolve_checkpoint(args.checkpoint, raw=args.raw, step=args.step)
        model = GauGAN.from_pretrained(checkpoint)
    except (CheckpointError, ValueError, FileNotFoundError) as err:
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
