"""`gaugan synthesize CHECKPOINT INPUT... -o OUT`: label maps (files or folders) to pictures.

Writes OUT/<name>_seed<k>.png for every label map and seed (or OUT/<name>_style.png with
--style), and OUT/index.html, a contact sheet: label | outputs. Each picture is written to a
temporary file and renamed, so an interrupted run leaves no half-written image. A bad input
stops the run with a message naming the file, unless --keep-going is given, in which case the
other inputs are still processed and the exit code is 1.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from tqdm.auto import tqdm

from gaugan.backends import BACKEND_HELP, BACKENDS
from gaugan.data.image_io import IMAGE_SUFFIXES
from gaugan.data.labelsets import colorize
from gaugan.labels import LABEL_ENCODINGS


def parse_seeds(text: str) -> list[int]:
    """"0-7" -> [0..7]; "1,5,9" -> [1, 5, 9]; "3" -> [3]."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part.strip()[1:]:
                low, high = part.split("-", 1)
                if int(high) < int(low):
                    raise ValueError
                seeds += range(int(low), int(high) + 1)
            else:
                seeds.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must look like 0-7 or 1,5,9, got {text!r}") from None
    return seeds


def collect_inputs(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            files.append(path)
    return files


def save_atomic(image: Image.Image, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        image.save(tmp, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CHECKPOINT_HELP = (
    'checkpoint directory (config.json + generator.safetensors), a training run or one of its checkpoints '
    '(RUN/checkpoints/step_N: exported first, EMA generator), or an embedded model: "streets" (street photos), '
    '"landscapes", "default" (the first of them this install has)'
)
RAW_HELP = "with a training run or checkpoint: the trained generator instead of its EMA average"
TRUNCATION_HELP = ("the standard deviation seeds draw style codes at (default: the model's own, 1 = the prior it was "
                   "trained with, 0.5 for the embedded streets model); less paints more typical, less different pictures")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("synthesize", help="turn label maps into pictures with a trained checkpoint")
    parser.add_argument("checkpoint", help=CHECKPOINT_HELP)
    parser.add_argument("inputs", nargs="*", help="label-map PNGs (class ids or palette colours) or folders of them")
    parser.set_defaults(trailing_positionals="inputs")  # also after options (gaugan.cli.main)
    parser.add_argument("--raw", action="store_true", help=RAW_HELP)
    parser.add_argument("--examples", action="store_true", help="also paint the example layouts shipped with the model (its examples/ folder)")
    parser.add_argument("-o", "--output", required=True, help="output folder")
    parser.add_argument("--seeds", type=parse_seeds, default=[0], help="e.g. 0-7 for eight variations (encoder models)")
    parser.add_argument("--style", help="reference image whose style to copy (models with an encoder)")
    parser.add_argument("--truncation", type=float, help=TRUNCATION_HELP)
    parser.add_argument("--keep-going", action="store_true", help="skip bad inputs instead of stopping")
    parser.add_argument(
        "--label-encoding", choices=LABEL_ENCODINGS, default="dataset",
        help="how one-channel label maps store class ids: \"dataset\" (default) as the model's training data stores "
             "them (ADE20K 0 = unlabeled, COCO-Stuff 255 = unlabeled...), \"model\" gaugan's ids (0..N-1, N = don't care)",
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument(
        "--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP,
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gaugan.default_model import resolve_checkpoint
    from gaugan.export.manifest import ExportError
    from gaugan.models import CheckpointError
    from gaugan.pipeline import LabelMapError, Synthesizer

    try:
        directory = resolve_checkpoint(args.checkpoint, raw=args.raw)
        synth = Synthesizer.from_pretrained(directory, device=args.device, precision=args.precision, backend=args.backend,
                                            label_encoding=args.label_encoding)
        if args.truncation is not None:
            synth.model.truncation = args.truncation
    except (CheckpointError, ExportError, ValueError, FileNotFoundError) as err:
        print(f"gaugan synthesize: {err}", file=sys.stderr)
        return 2
    style = None
    if args.style:
        if not synth.has_encoder:
            print(f"gaugan synthesize: --style {args.style}: this model has no style encoder", file=sys.stderr)
            return 2
        try:
            style = Image.open(args.style).convert("RGB")
        except (OSError, UnidentifiedImageError) as err:
            print(f"gaugan synthesize: cannot read style image {args.style}: {err}", file=sys.stderr)
            return 2
    inputs = collect_inputs(args.inputs)
    shipped: set[Path] = set()  # a model's examples/ hold model ids, whatever --label-encoding says
    if args.examples:
        examples = directory / "examples"
        if not examples.is_dir():
            print(f"gaugan synthesize: --examples: this model has no example layouts ({examples})", file=sys.stderr)
            return 2
        shipped = set(collect_inputs([str(examples)]))
        inputs += sorted(shipped)
    if not inputs:
        print("gaugan synthesize: no label maps found in the inputs (give files, folders or --examples)", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, list[str]]] = []
    failures = 0
    for path in tqdm(inputs, desc="synthesizing", unit="map", disable=len(inputs) < 2 or not sys.stderr.isatty()):
        try:
            label_image = Image.open(path)
            label_image.load()
            ids = synth.label_ids(label_image, str(path), "model" if path in shipped else None)
        except (OSError, UnidentifiedImageError, LabelMapError) as err:
            message = err if isinstance(err, LabelMapError) else f"{path}: not a readable image ({err})"
            print(f"gaugan synthesize: {message}", file=sys.stderr)
            failures += 1
            if not args.keep_going:
                return 1
            continue
        if style is not None:
            pictures = {"style": synth(ids, style_image=style)}
        else:
            seeds = args.seeds if synth.has_encoder else args.seeds[:1]
            outputs = synth([ids] * len(seeds), seed=seeds)
            pictures = {f"seed{s}": p for s, p in zip(seeds, outputs)}
        label_name = f"{path.stem}_label.png"
        save_atomic(Image.fromarray(colorize(ids.numpy(), synth.labels)), out / label_name)
        names = []
        for suffix, picture in pictures.items():
            name = f"{path.stem}_{suffix}.png"
            save_atomic(picture, out / name)
            names.append(name)
        rows.append((path.name, label_name, names))
    write_contact_sheet(out, rows)
    print(f"{sum(len(r[2]) for r in rows)} image(s) from {len(rows)} label map(s) in {out}"
          + (f"; {failures} input(s) failed" if failures else ""), file=sys.stderr)
    return 1 if failures else 0


def write_contact_sheet(out: Path, rows: list[tuple[str, str, list[str]]]) -> None:
    body = "\n".join(
        "<tr><th>{}</th><td><img src=\"{}\"></td>{}</tr>".format(
            html.escape(source), html.escape(label), "".join(f'<td><img src="{html.escape(n)}"></td>' for n in names)
        )
        for source, label, names in rows
    )
    (out / "index.html").write_text(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>gaugan synthesize</title>"
        "<style>body{font-family:sans-serif}img{image-rendering:pixelated;width:192px}td,th{padding:4px}</style>"
        f"</head><body><table><tr><th>input</th><th>label</th><th colspan=\"99\">generated</th></tr>{body}</table></body></html>\n"
    )
