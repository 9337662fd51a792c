"""``checksums.json``: the SHA-256 of every file of a checkpoint, written with it and verified on load.

A truncated weight file is caught by its parser; a file that still parses but holds other bytes
(a bit flip on disk, a partial copy over an old file, a hand edit) is not. Training checkpoints
and inference checkpoints (``save_pretrained``) both carry this list; loading and resuming check
it and name the damaged file. Directories written before it have no list and load as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

from gaugan.models.weights import CheckpointError

CHECKSUMS_FILE = "checksums.json"
FORMAT_NAME = "gaugan-checksums"


class DamagedCheckpoint(CheckpointError):
    """A checkpoint whose files are missing or differ from its ``checksums.json`` (names the file)."""


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_checksums(directory: Path, names: Iterable[str]) -> Path:
    """Record ``names`` (files in ``directory``) with their sizes and SHA-256, atomically."""
    files = {name: {"sha256": sha256_of(directory / name), "bytes": (directory / name).stat().st_size} for name in sorted(names)}
    fd, tmp = tempfile.mkstemp(prefix=f".{CHECKSUMS_FILE}.", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"format": FORMAT_NAME, "algorithm": "sha256", "files": files}, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, directory / CHECKSUMS_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return directory / CHECKSUMS_FILE


def verify_checksums(directory: Path) -> bool:
    """Check every file ``checksums.json`` lists; True when verified, False when there is no list.

    Raises `DamagedCheckpoint` naming the first file that is missing, of another size or digest.
    """
    path = directory / CHECKSUMS_FILE
    if not path.is_file():
        return False
    try:
        listed = json.loads(path.read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DamagedCheckpoint(f"{path} is not a readable checksum list: {err}") from None
    for name, expected in listed.items():
        file = directory / name
        if not file.is_file():
            raise DamagedCheckpoint(f"{file} is missing (listed in {CHECKSUMS_FILE})")
        size = file.stat().st_size
        if size != expected.get("bytes"):
            raise DamagedCheckpoint(f"{file} is {size} bytes, {CHECKSUMS_FILE} says {expected.get('bytes')}: the file is damaged")
        digest = sha256_of(file)
        if digest != expected.get("sha256"):
            raise DamagedCheckpoint(f"{file}: SHA-256 {digest[:16]}... differs from {CHECKSUMS_FILE}'s "
                                    f"{str(expected.get('sha256'))[:16]}...: the file is damaged or was replaced")
    return True
