"""`gaugan evaluate` and `gaugan train-segmenter`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gaugan.eval.two_sample import C2STSettings


def register(subparsers: argparse._SubParsersAction) -> None:
    evaluate = subparsers.add_parser(
        "evaluate", help="mIoU, accuracy (segmenter), C2ST, FSD and FID/KID of a checkpoint on a dataset split, or of any folder of pictures",
        description="Score a checkpoint on a dataset split (CHECKPOINT --dataset --dataroot), or any system's pictures "
                    "(--images DIR --labels DIR [--real DIR] --classes SPEC) with the same protocol.")
    evaluate.add_argument("checkpoint", nargs="?",
                          help="checkpoint directory, a training run or one of its checkpoints (exported first), or an "
                               "embedded model (streets, landscapes, default); omit it to score pictures with --images")
    evaluate.add_argument("--raw", action="store_true", help="with a training run or checkpoint: the trained generator, not its EMA average")
    _dataset_args(evaluate, default_split="val", required=False)
    folders = evaluate.add_argument_group("pictures from folders (another system's, or gaugan synthesize's), paired by file stem")
    folders.add_argument("--images", help="folder of generated pictures to score (instead of a checkpoint)")
    folders.add_argument("--picture-suffix", default="",
                         help="only pictures whose file stem ends in this, paired without it (e.g. _seed0 for gaugan synthesize's output)")
    folders.add_argument("--labels", help="folder of their label maps (class-id or colour PNGs)")
    folders.add_argument("--real", help="folder of the real photos (segmenter reference, FID/KID, FSD, C2ST)")
    folders.add_argument("--classes", help="the label set: an embedded model or checkpoint directory (its classes and stored "
                                           "id encoding), a built-in dataset name (e.g. labelmefacade), or a palette file "
                                           "(CSV id,name,r,g,b or JSON); default: --dataset")
    folders.add_argument("--label-encoding", default="dataset", choices=("dataset", "model"),
                         help="one-channel label maps: as the checkpoint's training data stores ids (dataset, default), or gaugan's ids")
    folders.add_argument("--label-resize", default="aspect", choices=("exact", "aspect", "any"),
                         help="label maps / photos of another size than their picture: refuse (exact), resize when the aspect "
                              "ratio agrees within 2%% (aspect, default), or always resize (any)")
    evaluate.add_argument("--report", help="write an HTML report into this folder (index.html: per-class IoU chart, best and worst pictures)")
    evaluate.add_argument("--segmenter", help="gaugan segmenter directory, TorchScript .pt or ONNX .onnx, or an embedded "
                                              "segmenter (camvid); default: the embedded one of the label set, if any")
    evaluate.add_argument("--no-segmenter", action="store_true", help="no segmenter scores (mIoU, accuracy, FSD)")
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
    c2st.add_argument("--c2st-repeats", type=int, default=C2STSettings.repeats,
                      help="run the whole test on this many seeded splits (seed, seed + 2, ...) and report the means, "
                           "with standard errors across the splits: one split of ~100 layouts is noisy")
    c2st.add_argument("--c2st-by-class", action="store_true",
                      help="also rerun the C2ST once per class with that class's pixels taken from the real pictures: "
                           "the class whose swap raises the cross-entropy most gives the pictures away most (one more "
                           "C2ST per class covering 0.5%% of the pixels)")
    evaluate.add_argument("--no-fsd", action="store_true", help="skip the Frechet segmenter distance")
    evaluate.add_argument("--diversity-seeds", type=int, default=3,
                          help="style codes per label map for the seed diversity of encoder models (default 3; 0 skips)")
    evaluate.add_argument("--stats-cache", default=str(Path.home() / ".cache" / "gaugan" / "fid_stats"))
    evaluate.add_argument("--batch-size", type=int, default=8)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--truncation", type=float,
                          help="draw the seeds' style codes at this standard deviation instead of the model's own "
                               "(1 = the prior it was trained with; the embedded streets model paints at 0.5)")
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


def _dataset_args(parser: argparse.ArgumentParser, default_split: str, required: bool = True) -> None:
    parser.add_argument("--dataset", required=required)
    parser.add_argument("--dataroot", required=required)
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
    from gaugan.models import CheckpointError

    _set_threads(args.threads)
    if args.images:
        return _run_evaluate_folders(args)
    if not args.checkpoint or not args.dataset or not args.dataroot:
        print("gaugan evaluate: give CHECKPOINT --dataset NAME --dataroot DIR, or --images DIR --labels DIR --classes SPEC",
              file=sys.stderr)
        return 2
    for flag in ("labels", "real", "classes"):
        if getattr(args, flag):
            print(f"gaugan evaluate: --{flag} is for scoring --images folders", file=sys.stderr)
            return 2
    from gaugan.default_model import resolve_checkpoint
    from gaugan.eval.evaluate import evaluate
    from gaugan.eval.fid import statistics_cache_key
    from gaugan.models import GauGAN

    try:
        model = GauGAN.from_pretrained(resolve_checkpoint(args.checkpoint, raw=args.raw))
        if args.truncation is not None:
            model.truncation = args.truncation
        size = model.generator.config.output_size
        dataset = _dataset(args, args.split, size)
        if dataset.labels.names != model.labels.names:
            print(f"gaugan evaluate: the checkpoint's classes differ from the {args.dataset} dataset's", file=sys.stderr)
            return 2
        segment, c2st, inception, notes = _scoring_tools(args, model.labels)
    except (CheckpointError, DatasetError, FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"gaugan evaluate: {err}", file=sys.stderr)
        return 2
    stats_path = None
    if inception is not None:
        stats_path = Path(args.stats_cache) / statistics_cache_key(args.dataset, args.dataroot, args.split, size, len(dataset))
    result = evaluate(model, dataset, segment, inception, args.batch_size, args.seed, stats_path, progress=sys.stderr.isatty(),
                      c2st=c2st, fsd=not args.no_fsd, diversity_seeds=args.diversity_seeds,
                      keep_examples=REPORT_EXAMPLES if args.report else 0)
    height, width = size
    source = [f"checkpoint: {args.checkpoint}" + (" (trained generator, --raw)" if args.raw else ""),
              f"data: {args.dataset} {args.split} split at {args.dataroot}, {len(dataset)} label maps, painted at {width}x{height}"
              f" (seed {args.seed})"]
    return _finish(args, result, model.labels, notes, segment is not None, source)


REPORT_EXAMPLES = 6  # best and worst pictures shown in the HTML report


def _scoring_tools(args: argparse.Namespace, labels):
    """(segmenter, C2ST settings, Inception, notes) as the flags ask; raises for bad files."""
    from gaugan.eval.inception import FIDInceptionV3, InceptionWeightsMissing
    from gaugan.eval.segmenters import load_segmenter

    from gaugan.eval.embedded_segmenters import for_labels

    segment = None
    if args.no_segmenter:
        args.segmenter = None
    elif not args.segmenter:
        args.segmenter = for_labels(labels.names)
        args.segmenter_default = args.segmenter is not None
    if args.segmenter:
        segment, classes = load_segmenter(args.segmenter, args.segmenter_input)
        if classes is not None and classes != labels.num_classes:
            raise ValueError(f"the segmenter {args.segmenter} predicts {classes} classes, the label set has {labels.num_classes}")
    if args.no_c2st and args.c2st_by_class:
        raise ValueError("--c2st-by-class reruns the C2ST: it cannot go with --no-c2st")
    c2st = None
    if not args.no_c2st:
        c2st = C2STSettings(steps=args.c2st_steps, max_width=args.c2st_max_width, folds=args.c2st_folds, seed=args.c2st_seed,
                            repeats=args.c2st_repeats, by_class=args.c2st_by_class)
    inception, notes = None, []
    if not args.no_fid:
        try:
            inception = FIDInceptionV3.from_file(args.inception_weights)
        except InceptionWeightsMissing as err:
            if args.inception_weights:
                raise
            notes.append(f"FID/KID skipped: {err}")
    return segment, c2st, inception, notes


def _finish(args: argparse.Namespace, result, labels, notes: list[str], segmented: bool, source: list[str]) -> int:
    result.notes += notes
    if not segmented:
        result.notes.append("mIoU/accuracy and FSD skipped: " + ("--no-segmenter" if args.no_segmenter else
                            "pass --segmenter (see gaugan train-segmenter)"))
    if args.segmenter and segmented:
        result.segmenter = str(args.segmenter)
        embedded = " (embedded, this label set's default)" if getattr(args, "segmenter_default", False) else ""
        source.append(f"segmenter: {args.segmenter}{embedded}")
    for line in source:
        print(line)
    print(result.table())
    if args.output:
        Path(args.output).write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    if args.report:
        from gaugan.eval.report import write_report

        page = write_report(Path(args.report), result, labels, "gaugan evaluate", source)
        print(f"report: {page}")
    return 0


def resolve_classes(spec: str):
    """The label set a --classes SPEC names (see the flag's help)."""
    from gaugan import default_model
    from gaugan.data.labelsets import builtin_labelsets, load_labelset, load_palette_file
    from gaugan.labels import LabelSet
    from gaugan.models import CheckpointError
    from gaugan.models.pretrained import read_checkpoint_config

    path = Path(spec)
    if default_model.is_model_name(spec) or (path / "config.json").is_file():
        directory = default_model.resolve_checkpoint(spec)
        return LabelSet.from_dict(read_checkpoint_config(directory)["labels"])
    if path.is_file():
        return load_palette_file(path)
    if spec in builtin_labelsets():
        return load_labelset(spec)
    raise CheckpointError(f"--classes {spec}: not an embedded model, checkpoint directory, palette file or built-in "
                          f"label set ({', '.join(builtin_labelsets())})")


def _run_two_folder_fid(args: argparse.Namespace) -> int:
    """--images DIR --real DIR without labels: FID/KID only, as pytorch-fid's two-folder mode."""
    from gaugan.data import DatasetError
    from gaugan.eval.folders import folder_inception_distances
    from gaugan.eval.inception import FIDInceptionV3

    if not args.real or args.no_fid:
        print("gaugan evaluate: --images needs --labels DIR (the pictures' label maps, paired by file stem) for the "
              "segmenter scores, or --real DIR (and the Inception weights) for FID/KID alone", file=sys.stderr)
        return 2
    try:
        inception = FIDInceptionV3.from_file(args.inception_weights)
        result = folder_inception_distances(Path(args.images), Path(args.real), inception, args.picture_suffix,
                                            progress=sys.stderr.isatty())
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"gaugan evaluate: {err}", file=sys.stderr)
        return 2
    result.notes.append("no --labels: FID/KID only (segmenter scores, FSD and C2ST need label maps paired by stem)")
    source = [f"pictures: {args.images} ({result.protocol['pictures']}), real photos: {args.real} "
              f"({result.protocol['real_pictures']}), unpaired; Inception: pytorch-fid's weights"]
    return _finish(args, result, None, [], True, source)


def _run_evaluate_folders(args: argparse.Namespace) -> int:
    from gaugan.data import DatasetError
    from gaugan.eval.evaluate import Scorer
    from gaugan.eval.folders import FolderProtocol, evaluate_folders, pair_folders
    from gaugan.models import CheckpointError

    if args.checkpoint:
        print("gaugan evaluate: give a CHECKPOINT or --images, not both (to score a checkpoint's pictures from a folder, "
              "write them with gaugan synthesize first)", file=sys.stderr)
        return 2
    if not args.labels:
        return _run_two_folder_fid(args)
    spec = args.classes or args.dataset
    if not spec:
        print("gaugan evaluate: --images needs --classes (an embedded model, checkpoint, built-in dataset or palette file)",
              file=sys.stderr)
        return 2
    try:
        labels = resolve_classes(spec)
        pairs, counts = pair_folders(Path(args.images), Path(args.labels), Path(args.real) if args.real else None,
                                     args.picture_suffix)
        segment, c2st, inception, notes = _scoring_tools(args, labels)
    except (CheckpointError, DatasetError, FileNotFoundError, ValueError, RuntimeError, KeyError) as err:
        print(f"gaugan evaluate: {err}", file=sys.stderr)
        return 2
    if not args.real:
        c2st, inception = None, None
        notes.append("FID/KID, FSD and C2ST need the real photos: pass --real DIR")
    protocol = FolderProtocol(
        images=args.images, labels=args.labels, real=args.real, pictures=len(pairs), label_maps_in_folder=counts["label_maps"],
        real_in_folder=counts["real"], label_resize=args.label_resize,
        label_encoding=args.label_encoding if labels.encoding is not None else "model",
    )
    scorer = Scorer(labels, segment, inception, c2st, fsd=not args.no_fsd and bool(args.real),
                    keep_examples=REPORT_EXAMPLES if args.report else 0)
    try:
        result = evaluate_folders(pairs, labels, scorer, protocol, args.batch_size, progress=sys.stderr.isatty())
    except DatasetError as err:
        print(f"gaugan evaluate: {err}", file=sys.stderr)
        if args.output or args.report:
            print("gaugan evaluate: nothing was written", file=sys.stderr)
        return 2
    source = [f"classes: {spec} ({labels.num_classes} classes)"] + protocol.lines()
    return _finish(args, result, labels, notes, segment is not None, source)


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
