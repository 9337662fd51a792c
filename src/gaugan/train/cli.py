"""`gaugan train`: train from a preset and/or a config file, with command-line overrides."""

from __future__ import annotations

import argparse
import json
import sys

from gaugan.train.config import PRESETS, resolve_config

# Flags for the settings people change most; anything else goes through --set key=value.
_COMMON = {
    "dataset": str,
    "dataroot": str,
    "output_dir": str,
    "batch_size": int,
    "epochs": int,
    "decay_epochs": int,
    "iterations": int,
    "decay_iterations": int,
    "crop_size": int,
    "load_size": int,
    "ngf": int,
    "ndf": int,
    "generator": str,
    "precision": str,
    "device": str,
    "vgg_weights": str,
    "checkpoint_every": int,
    "num_workers": int,
    "seed": int,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a SPADE model (single process, or many under torchrun)",
        description="Train with the paper's recipe. Settings: defaults <- --preset <- --config <- flags <- --set.",
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), help="the paper's settings for a dataset")
    parser.add_argument("--config", help="YAML or JSON file of TrainConfig fields")
    for name, kind in _COMMON.items():
        parser.add_argument("--" + name.replace("_", "-"), type=kind, dest=name, default=None)
    parser.add_argument("--use-vae", action="store_true", default=None, help="train the style encoder too")
    parser.add_argument("--no-vgg", action="store_true", help="train without the VGG perceptual loss")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any config field (repeatable)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --output-dir")
    parser.add_argument("--max-steps", type=int, help="stop after this many steps in this invocation")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    overrides = {name: getattr(args, name) for name in _COMMON}
    overrides["use_vae"] = args.use_vae
    if args.no_vgg:
        overrides["use_vgg"] = False
    try:
        config = resolve_config(args.preset, args.config, overrides, args.set)
    except (ValueError, FileNotFoundError) as err:
        print(f"gaugan train: {err}", file=sys.stderr)
        return 2
    if args.print_config:
        print(json.dumps(config.to_dict(), indent=2))
        return 0
    if not config.dataroot and config.dataset != "landscapes":
        print("gaugan train: no --dataroot given (the dataset's folder)", file=sys.stderr)
        return 2

    from gaugan.nn.vgg19 import VGG19WeightsMissing
    from gaugan.models.weights import CheckpointError
    from gaugan.train.checkpoint import find_latest_checkpoint
    from gaugan.train.preemption import STOPPED_EXIT_STATUS, TrainingStopped
    from gaugan.train.trainer import Trainer, TrainingDiverged

    try:
        trainer = Trainer(config, resume=args.resume)
    except VGG19WeightsMissing as err:
        print(f"gaugan train: {err}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as err:
        print(f"gaugan train: {err}", file=sys.stderr)
        return 2
    if trainer.dist.is_main:
        print(
            f"training {config.generator} on {len(trainer.dataset)} samples ({config.dataset}), "
            f"{trainer.total_steps} steps, {trainer.dist.world_size} process(es) on {trainer.device}; "
            f"output in {config.output_dir}",
            file=sys.stderr,
        )
    try:
        losses = trainer.fit(args.max_steps)
    except (TrainingDiverged, CheckpointError) as err:  # CheckpointError: a write failed (e.g. a full disk)
        print(f"gaugan train: {err}", file=sys.stderr)
        return 1
    except TrainingStopped as stop:
        if trainer.dist.is_main:
            print(f"gaugan train: {stop}", file=sys.stderr)
        return STOPPED_EXIT_STATUS
    except KeyboardInterrupt:  # a second Ctrl+C: the step in flight is abandoned, nothing is written
        latest = find_latest_checkpoint(trainer.checkpoint_dir)
        print(f"gaugan train: interrupted during step {trainer.step + 1}; not saved"
              + (f" (the last checkpoint is {latest})" if latest else ""), file=sys.stderr)
        return 130
    if trainer.dist.is_main:
        print(json.dumps({"step": trainer.step, "losses": losses, "output_dir": config.output_dir}))
    return 0
