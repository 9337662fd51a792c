"""`gaugan evaluate` and `gaugan train-segmenter`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gaugan.eval.two_sample import C2STSettings


def register(subparsers: argparse._SubParsersAction) -> None:
    evaluate = subparsers.add_parser("evaluate", help="mIoU, accuracy (segmenter), C2ST, FSD and FID/KID of a checkpoint on a dataset split")
    evaluate.add_argument("checkpoint", nargs="?",
                          help="checkpoint directory, a training run or one of its checkpoints (exported first), or an "
                               "embedded model (streets, landscapes, default); omit it to score pictures with --images")
    evaluate.add_argument("--raw", action="store_true", help="with a training run or checkpoint: the trained generator, not its EMA average")
    _dataset_args(evaluate, default_split="val")
    evaluate.add_argument("--segmenter", help="gaugan segmenter directory, TorchScript .pt or ONNX .onnx")
    evaluate.add_argument("--segmenter-input", default="minus1_1", choices=("minus1_1", "zero_one", "imagenet"))
    evaluate.add_argument("--inception-weights", help="pytorch-fid's pt_inception-2015-12-05-6726825d.pth")
    evaluate.add_argument("--no-fid", action="store_true", help="skip FID/KID")
    c2st = evaluate.add_argument_group("classifier two-sample test (real vs generated, same layouts)")
    c2st.add_argument("--no-c2st", action="store_true", help="skip the C2ST")
    c2st.add_argument("--c2st-steps", type=int, default=C2STSettings.steps, help="classifier training steps per fold")
    c2st.add_argument("--c2st-max-width", type=int, default=C2STSettings.max_width,
                      help="downsample the pictures to at most this width for the classifier")
    c2st.add_argument("--c2st-folds", type=int, default=C2STSettings.folds, choices=(1, 2),
                      help="1: train on one half of the layouts, test on the other; 2: also the swapped halves")
    c2st.add_argument("--c2st-seed", type=int, default=C2STSettings.seed, help="layout split, classifier init and batches")
    evaluate.add_argument("--no-fsd", action="store_true", help="skip the Frechet segmenter distance")
    evaluate.add_argument("--diversity-seeds", type=int, default=3,
                          help="style codes per label map for the seed diversity of encoder models (default 3; 0 skips)")
    evaluate.add_argument("--stats-cache", default=str(Path.home() / ".cache" / "gaugan" / "fid_stats"))
    evaluate.add_argument("--batch-size", type=int, default=8)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("-o", "--output", help="write the results as JSON here")
    evaluate.set_defaults(func=run_evaluate)

    train = subparsers.add_parser("train-segmenter", help="train the small segmenter on a dataset's real images")
    _dataset_args(train, default_split="train")
    train.add_argument("--size", type=_size, default=(64, 64),
                       help="training size: N (square) or WxH, e.g. 128x96 (multiples of 8); pictures of other sizes "
                            "are resized to it when scored, so one segmenter serves models of any output size")
    train.add_argument("--steps", type=int, default=500)
    train.add_argument("--batch-size", type=int, default=8)
    train.add_argument("--width", type=int, default=32)
    train.add_argument("--val-split", help="report mIoU on this split after training")
    train.add_argument("-o", "--output", required=True, help="segmenter directory to write")
    train.set_defaults(func=run_train_segmenter)


def _size(text: str) -> tuple[int, int]:
    """"64" -> (64, 64); "256x192" (width x height) -> (192, 256), as (height, width)."""
    parts = text.lower().split("x")
    try:
        width, height = (int(parts[0]), int(parts[0])) if len(parts) == 1 else (int(parts[0]), int(parts[1]))
        if len(parts) > 2:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be N or WxH (e.g. 256x192), got {text!r}") from None
    if width < 8 or height < 8 or width % 8 or height % 8:
        raise argparse.ArgumentTypeError(f"size {width}x{height}: width and height must be positive multiples of 8")
    return height, width


def _dataset_args(parser: argparse.ArgumentParser, default_split: str) -> None:
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--dataroot", required=True)
    parser.add_argument("--split", default=default_split)
    parser.add_argument("--palette", help="palette for colour-coded folder datasets")
    parser.add_argument("--max-samples", type=int, help="use only the first N samples")
    # On a machine shared with another job, torch's default thread pool can stall on its barriers
    # (measured here: the C2ST of 8 pairs took 97 s with 2 threads beside a training job, 2 s with 1).
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")


def _set_threads(threads: int | None) -> None:
    if threads is not None:
        import torch

        torch.set_num_threads(max(1, threads))


def _dataset(args: argparse.Namespace, split: str, size: tuple[int, int]):
    from gaugan.data import build_dataset, first_samples

    height, width = size
    dataset = build_dataset(args.dataset, args.dataroot, split, preprocess="fixed", crop_size=width,
                            aspect_ratio=width / height, flip=False, palette=args.palette)
    return first_samples(dataset, args.max_samples)


def run_evaluate(args: argparse.Namespace) -> int:
    from gaugan.data import DatasetError
    from gaugan.eval.evaluate import evaluate
    from gaugan.eval.fid import statistics_cache_key
    from gaugan.eval.inception import FIDInceptionV3, InceptionWeightsMissing
    from gaugan.eval.segmenters import load_segmenter
    from gaugan.default_model import resolve_checkpoint
    from gaugan.models import CheckpointError, GauGAN

    _set_threads(args.threads)
    try:
        model = GauGAN.from_pretrained(resolve_checkpoint(args.checkpoint, raw=args.raw))
        size = model.generator.config.output_size
        dataset = _dataset(args, args.split, size)
        if dataset.labels.names != model.labels.names:
            print(f"gaugan evaluate: the checkpoint's classes differ from the {args.dataset} dataset's", file=sys.stderr)
            return 2
        segment = None
        if args.segmenter:
            segment, classes = load_segmenter(args.segmenter, args.segmenter_input)
            if classes is not None and classes != model.labels.num_classes:
                print(f"gaugan evaluate: the segmenter predicts {classes} classes, the model has {model.labels.num_classes}", file=sys.stderr)
                return 2
        c2st = None
        if not args.no_c2st:
            c2st = C2STSettings(steps=args.c2st_steps, max_width=args.c2st_max_width, folds=args.c2st_folds, seed=args.c2st_seed)
        inception = None
        notes = []
        if not args.no_fid:
            try:
                inception = FIDInceptionV3.from_file(args.inception_weights)
            except InceptionWeightsMissing as err:
                if args.inception_weights:
                    raise
                notes.append(f"FID/KID skipped: {err}")
    except (CheckpointError, DatasetError, FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"gaugan evaluate: {err}", file=sys.stderr)
        return 2
    stats_path = None
    if inception is not None:
        stats_path = Path(args.stats_cache) / statistics_cache_key(args.dataset, args.dataroot, args.split, size, len(dataset))
    result = evaluate(model, dataset, segment, inception, args.batch_size, args.seed, stats_path, progress=sys.stderr.isatty(),
                      c2st=c2st, fsd=not args.no_fsd, diversity_seeds=args.diversity_seeds)
    result.notes += notes
    if segment is None:
        result.notes.append("mIoU/accuracy and FSD skipped: pass --segmenter (see gaugan train-segmenter)")
    print(result.table())
    if args.output:
        Path(args.output).write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return 0


def run_train_segmenter(args: argparse.Namespace) -> int:
    from gaugan.data import DatasetError
    from gaugan.eval.segmenters import load_segmenter, save_segmenter
    from gaugan.eval.train_segmenter import evaluate_segmenter_on, train_segmenter

    _set_threads(args.threads)
    try:
        dataset = _dataset(args, args.split, args.size)
        val = _dataset(args, args.val_split, args.size) if args.val_split else None
    except (DatasetError, ValueError) as err:
        print(f"gaugan train-segmenter: {err}", file=sys.stderr)
        return 2
    model, losses = train_segmenter(dataset, dataset.labels, args.steps, args.batch_size, width=args.width,
                                    progress=True, input_size=args.size)
    height, width = args.size
    meta = {"dataset": args.dataset, "split": args.split, "size": f"{width}x{height}", "steps": args.steps,
            "final_loss": losses[-1], "labels": dataset.labels.to_dict()}
    save_segmenter(model, Path(args.output), meta)
    report = {"steps": args.steps, "first_loss": losses[0], "final_loss": losses[-1], "output": args.output}
    if val is not None:
        segment, _ = load_segmenter(args.output)
        scores = evaluate_segmenter_on(val, segment, dataset.labels)
        report.update(val_miou=scores.miou, val_accuracy=scores.accuracy)
    print(json.dumps(report))
    return 0
