"""`gaugan serve [CHECKPOINT]`: the painter app under uvicorn (default model when no checkpoint)."""

from __future__ import annotations

import argparse
import ipaddress
import sys

from gaugan.backends import BACKEND_HELP, BACKENDS



def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="paint label maps in the browser and get pictures (HTTP API + painter page)",
        description="Start the GauGAN painter: a web page to paint label maps and an HTTP API (docs at /docs).",
    )
    parser.add_argument("checkpoint", nargs="?", help="checkpoint directory; default: the embedded landscape model")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help=BACKEND_HELP)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--queue-size", type=int, default=8, help="synthesis jobs that may wait; more get 503 (default 8)")
    parser.add_argument("--max-upload-mb", type=float, default=4.0, help="largest accepted upload in MiB (default 4)")
    parser.add_argument("--threads", type=int, help="torch CPU threads for inference (default: torch's choice)")
    parser.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    parser.set_defaults(func=run)


def load_app(args: argparse.Namespace):
    """Build the app from parsed arguments; raises with a message for the user on bad input."""
    from gaugan.app.extras import load_style_presets, read_painter_settings
    from gaugan.app.limits import Limits
    from gaugan.app.server import create_app, encoder_input_size
    from gaugan.pipeline import Synthesizer

    from gaugan.default_model import resolve_checkpoint

    directory = resolve_checkpoint(args.checkpoint)
    limits = Limits(max_upload_bytes=int(args.max_upload_mb * (1 << 20)), queue_size=args.queue_size)
    synth = Synthesizer.from_pretrained(directory, device=args.device, precision=args.precision, backend=args.backend)
    settings = read_painter_settings(directory, synth.labels)
    styles = load_style_presets(directory, encoder_input_size(synth)) if synth.has_encoder else []
    name = "default landscape model" if args.checkpoint in (None, "default") else directory.name
    return create_app(synth, settings=settings, styles=styles, limits=limits, name=name)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from gaugan.app.extras import AppConfigError
    from gaugan.models import CheckpointError

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        app = load_app(args)
    except (FileNotFoundError, CheckpointError, AppConfigError, ValueError) as err:
        print(f"gaugan serve: {err}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(f"gaugan serve: listening on {args.host}: other machines can reach this server", file=sys.stderr)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"GauGAN painter: http://{shown}:{args.port}/  (API docs: /docs)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, workers=1)
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
