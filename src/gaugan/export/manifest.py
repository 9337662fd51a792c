"""``manifest.json`` of an ONNX export: what the files are, what they take, which weights made them.

An export directory (default ``CHECKPOINT/onnx/``) holds ``generator.onnx`` [+ ``encoder.onnx``]
and this manifest. The manifest records SHA-256 digests of the checkpoint files it was made
from, so a reader can tell a current export from a stale one (`export_is_current`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gaugan.models.checksums import sha256_of

MANIFEST_FILE = "manifest.json"
FORMAT_NAME = "gaugan-onnx"
FORMAT_VERSION = 1
# The checkpoint files an export depends on (gaugan.models.pretrained's names).
SOURCE_FILES = ("config.json", "generator.safetensors", "encoder.safetensors")


class ExportError(RuntimeError):
    """An export that cannot be made, verified or used (the message names the reason)."""


# One SHA-256 of a file for the whole project: the checkpoints' checksums.json uses it too.
file_digest = sha256_of


def checkpoint_fingerprint(checkpoint: str | Path) -> dict[str, str]:
    """{file name: sha256} of the checkpoint files present (config and weights)."""
    checkpoint = Path(checkpoint)
    return {name: file_digest(checkpoint / name) for name in SOURCE_FILES if (checkpoint / name).is_file()}


def read_manifest(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise ExportError(f"{Path(directory)} is not a gaugan ONNX export: it has no {MANIFEST_FILE}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ExportError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ExportError(f"{path} is not a gaugan ONNX manifest (no \"format\": \"{FORMAT_NAME}\")")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise ExportError(f"{path} has format version {manifest['format_version']}; this gaugan reads up to {FORMAT_VERSION}")
    return manifest


def export_is_current(export_dir: str | Path, checkpoint: str | Path) -> bool:
    """True when ``export_dir`` holds a complete export made from ``checkpoint``'s present files."""
    try:
        manifest = read_manifest(export_dir)
    except ExportError:
        return False
    files = [manifest.get("generator", {}).get("file")] + ([manifest["encoder"]["file"]] if manifest.get("encoder") else [])
    if not all(name and (Path(export_dir) / name).is_file() for name in files):
        return False
    return manifest.get("source", {}).get("sha256") == checkpoint_fingerprint(checkpoint)
