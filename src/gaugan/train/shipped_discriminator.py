"""A trained discriminator shipped beside a packaged model, so that `init_from` continues with it.

A continuation that starts from a packaged generator with a fresh discriminator spends its first
steps re-learning D while G's updates follow a D that knows nothing (measured on the streets model,
2026-12-03: 1,200 steps in, every held-out score was still worse than the starting model's). A
package may therefore hold ``discriminator.safetensors`` (float16; a few MB against the generator's
tens) and ``discriminator.json`` (its config and label set). `gaugan train --set init_from=...`
loads it when this run's discriminator has the same config and the same labels; otherwise D starts
fresh and the run says why. Inference never reads these files.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn as nn

from gaugan.labels import LabelSet
from gaugan.models.checksums import CHECKSUMS_FILE, write_checksums
from gaugan.models.config import config_to_dict
from gaugan.models.pretrained import write_json_atomic
from gaugan.models.weights import CheckpointError, load_weights, save_weights

DISCRIMINATOR_FILE = "discriminator.safetensors"
DISCRIMINATOR_CONFIG = "discriminator.json"
FORMAT_NAME = "gaugan-discriminator"


def save_discriminator(directory: Path, discriminator: nn.Module, labels: LabelSet, dtype: torch.dtype | None = torch.float16) -> None:
    """Write D's weights and config into the checkpoint ``directory`` and add them to its checksums."""
    directory = Path(directory)
    save_weights(discriminator, directory / DISCRIMINATOR_FILE, {"gaugan_model": "discriminator"}, dtype)
    write_json_atomic(directory / DISCRIMINATOR_CONFIG, {
        "format": FORMAT_NAME, "config": config_to_dict(discriminator.config), "labels": labels.to_dict(),
    })
    listed = json.loads((directory / CHECKSUMS_FILE).read_text())["files"] if (directory / CHECKSUMS_FILE).is_file() else {}
    write_checksums(directory, sorted(set(listed) | {DISCRIMINATOR_FILE, DISCRIMINATOR_CONFIG}))


def load_discriminator(directory: Path, target: nn.Module, labels: LabelSet) -> str | None:
    """Load the discriminator shipped in ``directory`` into ``target`` in place.

    Returns None when it was loaded, else why ``target`` keeps its fresh weights (no file shipped,
    another config, another label set). The caller has verified the directory's checksums.
    """
    directory = Path(directory)
    path = directory / DISCRIMINATOR_CONFIG
    if not path.is_file():
        return f"{directory} ships no discriminator"
    try:
        record = json.loads(path.read_text())
        shipped_config, shipped_labels = record["config"], LabelSet.from_dict(record["labels"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise CheckpointError(f"{path}: not a discriminator config ({err})") from None
    if record.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{path}: not a discriminator config (no \"format\": \"{FORMAT_NAME}\")")
    if shipped_labels != labels:
        return f"{path}: its discriminator was trained on another label set"
    wanted = config_to_dict(target.config)
    # init_gain only shapes fresh weights: a loaded D does not depend on it.
    differs = sorted(k for k in set(wanted) | set(shipped_config)
                     if k != "init_gain" and wanted.get(k) != shipped_config.get(k))
    if differs:
        shown = ", ".join(f"{k} {shipped_config.get(k)!r} (this run: {wanted.get(k)!r})" for k in differs)
        return f"{path}: its discriminator differs from this run's in {shown}"
    load_weights(target, directory / DISCRIMINATOR_FILE)
    return None
