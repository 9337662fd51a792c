"""`gaugan serve [CHECKPOINT ...]`: the painter app under uvicorn, with a model picker when it serves several.

Each CHECKPOINT is a directory or an embedded model's name (``streets``, ``landscapes``, ``default``);
with none, every embedded model this install has, photographs first (`gaugan.default_model`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gaugan.backends import BACKEND_HELP, BACKENDS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="paint label maps in the browser and get pictures (HTTP API + painter page)",
        description="Start the GauGAN painter: a web page to paint label maps and an HTTP API (docs at /docs).",
    )
    parser.add_argument(
        "checkpoints", nargs="*", metavar="CHECKPOINT",
        help="checkpoint directories or embedded model names (streets, landscapes, default); the first is the page's "
             "default model. Default: every embedded model of this install",
    )
    parser.set_defaults(trailing_positionals="checkpoints")  # also after options (gaugan.cli.main)
    parser.add_argument("--raw", action="store_true",
                        help="for training runs and checkpoints among CHECKPOINT: the trained generators instead of their EMA averages")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--queue-size", type=int, default=8, help="synthesis jobs that may wait; more get 503 (default 8)")
    parser.add_argument("--max-upload-mb", type=float, default=4.0, help="largest accepted upload in MiB (default 4)")
    parser.add_argument("--threads", type=int, help="torch CPU threads for inference (default: torch's choice)")
    parser.add_argument(
        "--token", default=os.environ.get("GAUGAN_TOKEN"),
        help="require 'Authorization: Bearer TOKEN' on every API route (default: $GAUGAN_TOKEN; \"auto\" makes one up); "
             "the page is then opened at /#token=TOKEN",
    )
    parser.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    parser.set_defaults(func=run)


def checkpoint_arguments(arguments: list[str], raw: bool = False) -> list[tuple[str, Path, str]]:
    """(name, directory, description) per checkpoint argument; raises with a message for the user.

    Checked before any model is loaded: a typo in the last argument should not cost loading the others.
    """
    from gaugan import default_model
    from gaugan.app.catalog import unique_names

    # Looked up on the module at call time: tests swap `embedded_models` / `default_checkpoint`.
    if not arguments:
        arguments = default_model.embedded_models() or [str(default_model.default_checkpoint())]
    resolved = []
    from gaugan.train.exported import is_training_path

    for argument in arguments:
        directory = default_model.resolve_checkpoint(argument, raw=raw and is_training_path(argument))
        if not directory.is_dir():
            raise FileNotFoundError(f"checkpoint directory not found: {directory}")
        name = default_model.display_name(argument)
        description = default_model.DESCRIPTIONS.get(name, "") if default_model.is_model_name(argument) else ""
        resolved.append((name, directory, description))
    directories = [directory.resolve() for _, directory, _ in resolved]
    for i, directory in enumerate(directories):
        if directory in directories[:i]:
            raise ValueError(f"{arguments[i]!r} names a model already given ({directory}); give each checkpoint once")
    # Two different folders may share a name (runs/a/final, runs/b/final): "final", "final-2".
    names = unique_names([name for name, _, _ in resolved])
    return [(name, directory, description) for name, (_, directory, description) in zip(names, resolved)]


def load_app(args: argparse.Namespace):
    """Build the app from parsed arguments; raises with a message for the user on bad input."""
    from gaugan.app.catalog import PainterModel
    from gaugan.app.limits import Limits
    from gaugan.app.server import create_app

    limits = Limits(max_upload_bytes=int(args.max_upload_mb * (1 << 20)), queue_size=args.queue_size)
    models = {
        name: PainterModel.from_checkpoint(directory, description=description, device=args.device,
                                           precision=args.precision, backend=args.backend)
        for name, directory, description in checkpoint_arguments(args.checkpoints, raw=getattr(args, "raw", False))
    }
    return create_app(models, limits=limits, token=args.token)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from gaugan.app.access import is_loopback, new_token
    from gaugan.app.extras import AppConfigError
    from gaugan.models import CheckpointError

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.token == "auto":
        args.token = new_token()
    try:
        app = load_app(args)
    except (FileNotFoundError, CheckpointError, AppConfigError, ValueError) as err:
        print(f"gaugan serve: {err}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(f"gaugan serve: listening on {args.host}: other machines can reach this server", file=sys.stderr)
        if args.token is None:
            print("gaugan serve: warning: no --token, so anyone who can reach it can use the API and its CPU; "
                  "pass --token auto (or set GAUGAN_TOKEN) to require one", file=sys.stderr)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    page = f"http://{shown}:{args.port}/" + (f"#token={args.token}" if args.token else "")
    print(f"GauGAN painter: {page}  (API docs: /docs); models: {', '.join(app.state.models)}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, workers=1)
    return 0

