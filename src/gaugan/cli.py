"""The `gaugan` command: one entry point, one sub-command per job."""

from __future__ import annotations

import argparse
import importlib
import sys

# Sub-commands living in other sub-packages register themselves through a `register(subparsers)`
# function, so this file stays a thin dispatcher.
_PLUGIN_MODULES = ("gaugan.data.cli", "gaugan.train.cli", "gaugan.synthesize", "gaugan.eval.cli", "gaugan.landscapes.cli", "gaugan.app.cli", "gaugan.export.cli", "gaugan.weight_files.cli")


def _cmd_summary(args: argparse.Namespace) -> int:
    from gaugan.summary import format_table, preset_rows

    print(format_table(preset_rows(args.preset or None, ngf=args.ngf, ndf=args.ndf)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from gaugan import __version__

    parser = argparse.ArgumentParser(prog="gaugan", description="Semantic image synthesis with SPADE (GauGAN).")
    parser.add_argument("--version", action="version", version=f"gaugan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    summary = sub.add_parser("summary", help="parameter counts and sizes of the paper's model configs")
    summary.add_argument("--preset", action="append", help="preset name (repeatable); default: all")
    summary.add_argument("--ngf", type=int, default=64, help="generator / encoder base width (default 64)")
    summary.add_argument("--ndf", type=int, default=64, help="discriminator base width (default 64)")
    summary.set_defaults(func=_cmd_summary)

    for module_name in _PLUGIN_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            # Only "this part is not in this build" is tolerated; a broken import inside it is not.
            if err.name is None or not module_name.startswith(err.name):
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from gaugan.fast.allocator import tune_malloc

    # Before the sub-commands import torch: glibc then keeps big activation buffers instead of
    # page-faulting them in on every forward (gaugan.fast.allocator; opt out: GAUGAN_MALLOC_TUNING=0).
    tune_malloc()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse gives a trailing nargs="*" positional (synthesize's label maps, serve's checkpoints)
    # nothing of what follows an option: `gaugan synthesize RUN --raw maps/` would refuse maps/.
    trailing = getattr(args, "trailing_positionals", None)
    if extra and trailing and not any(item.startswith("-") for item in extra):
        getattr(args, trailing).extend(extra)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
