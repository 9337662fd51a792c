"""`gaugan weights fetch|add|list`: get the foreign weight files into the directory the loaders use."""

from __future__ import annotations

import argparse
import os
import sys

from gaugan.weight_files.registry import REGISTRY

_VERIFY_NOTE = (
    "Every file is checked before it is put in place: its SHA-256 is compared with the full digest where "
    "the registry records one, else with the 8 hex digits in the canonical file name (torch.hub's "
    "convention; the full digests of these two files are not recorded), and it is loaded with the model's "
    "loader (torch.load weights_only=True), which refuses it unless every tensor is there with the right "
    "shape. A refused file is not installed."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    names = ", ".join(f"{e.name} ({e.filename}: {e.purpose})" for e in REGISTRY.values())
    weights = subparsers.add_parser(
        "weights", help="fetch, add or list the foreign weight files (FID Inception, VGG19)",
        description=f"The weight files gaugan uses but does not ship: {names}. They live in the cache directory "
                    "($GAUGAN_CACHE_DIR, default ~/.cache/gaugan), where the loaders look. " + _VERIFY_NOTE,
    )
    weights.set_defaults(func=lambda args: _usage(weights))
    sub = weights.add_subparsers(dest="weights_command", metavar="COMMAND")

    fetch = sub.add_parser(
        "fetch", help="download weight files (resumable) and verify them",
        description="Download into DIR/<canonical file name>, through DIR/<file>.part: a download cut short is "
                    "resumed by the next fetch (HTTP Range). " + _VERIFY_NOTE,
    )
    fetch.add_argument("names", nargs="+", metavar="NAME", choices=[*REGISTRY, "all"],
                       help=f"{', '.join(REGISTRY)} or all")
    fetch.add_argument("--url", help="download from this address (a mirror) instead; only with one NAME")
    _dir_arg(fetch)
    fetch.add_argument("--force", action="store_true",
                       help="download anew even if a good file is in place (the old one is replaced only by a "
                            "verified new one); also drops a partial download")
    fetch.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the server (default 60)")
    fetch.set_defaults(func=_cmd_fetch)

    add = sub.add_parser("add", help="verify a weight file you already have and install it",
                         description="Copy FILE into DIR under its canonical name after checking it. " + _VERIFY_NOTE)
    add.add_argument("file", metavar="FILE")
    add.add_argument("--as", dest="name", choices=list(REGISTRY),
                     help="which weight file it is (default: recognised by its canonical file name)")
    _dir_arg(add)
    add.set_defaults(func=_cmd_add)

    listing = sub.add_parser("list", help="which weight files are present, missing or damaged",
                             description="A table of the weight files in DIR. The SHA-256 (or its prefix) is "
                                         "compared, the loader is not run (fetch and add do that).")
    _dir_arg(listing)
    listing.add_argument("--no-hash", action="store_true", help="compare sizes only (faster on slow disks)")
    listing.set_defaults(func=_cmd_list)


def _dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", help="weights directory (default: $GAUGAN_CACHE_DIR, else ~/.cache/gaugan)")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _error(command: str, message: object) -> None:
    print(f"gaugan weights {command}: {message}", file=sys.stderr)


def _cmd_fetch(args: argparse.Namespace) -> int:
    from gaugan.weight_files.download import WeightFileError, fetch

    names = list(REGISTRY) if "all" in args.names else list(dict.fromkeys(args.names))
    if args.url and len(names) != 1:
        _error("fetch", f"--url names one file's mirror; give one NAME, not {', '.join(names)}")
        return 2
    code = 0
    for name in names:
        entry = REGISTRY[name]
        try:
            result = fetch(entry, args.dir, url=args.url, force=args.force, timeout=args.timeout)
        except (WeightFileError, OSError) as err:
            _error("fetch", f"{name}: {err}")
            code = 1
            continue
        print(f"{name}: {result.action} {result.path}")
        print(f"  sha256 {result.sha256}")
    return code


def _cmd_add(args: argparse.Namespace) -> int:
    from gaugan.weight_files.download import WeightFileError, install
    from gaugan.weight_files.registry import guess

    entry = REGISTRY[args.name] if args.name else guess(args.file)
    if entry is None:
        known = ", ".join(f"{e.filename} ({e.name})" for e in REGISTRY.values())
        _error("add", f"{args.file}: cannot tell which weight file this is from its name (known: {known}); "
                      f"say so with --as {'|'.join(REGISTRY)}")
        return 2
    if not os.path.isfile(os.path.expanduser(args.file)):
        _error("add", f"{args.file}: no such file")
        return 2
    try:
        result = install(entry, args.file, args.dir)
    except (WeightFileError, OSError) as err:
        _error("add", f"{entry.name}: {err}")
        return 1
    print(f"{entry.name}: {result.action} {result.path}")
    print(f"  sha256 {result.sha256}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from gaugan.weight_files.download import human_size, status, weights_dir

    rows = [("NAME", "FILE", "STATUS", "SIZE", "PATH", "PURPOSE")]
    notes = []
    for entry in REGISTRY.values():
        try:
            state = status(entry, args.dir, check_digest=not args.no_hash)
        except OSError as err:
            _error("list", f"{entry.name}: {err}")
            return 1
        label = state.state + (f" ({state.detail})" if state.detail else "")
        size = human_size(state.size) if state.size is not None else "-"
        rows.append((entry.name, entry.filename, label, size, str(state.path), entry.purpose))
        override = os.environ.get(entry.env_var) if entry.env_var and not args.dir else None
        if override:
            notes.append(f"note: ${entry.env_var} is set, so gaugan loads {entry.name} from {override}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"directory: {weights_dir(args.dir)}")
    for note in notes:
        print(note)
    return 0
