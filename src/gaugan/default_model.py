"""The embedded default model: a landscape GauGAN shipped inside the package (issue #5).

`gaugan synthesize` and `gaugan serve` fall back to it when no checkpoint is given, so a fresh
install works with no download. It was trained with `configs/landscapes-128.yaml` on scenes from
`gaugan landscapes make` (see the README for the exact commands and time).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "landscapes" / "default"


def default_checkpoint() -> Path:
    """Directory of the embedded default checkpoint (config.json + safetensors)."""
    if not (DEFAULT_CHECKPOINT / "config.json").is_file():
        raise FileNotFoundError(
            f"the embedded default model is missing from this install ({DEFAULT_CHECKPOINT}); "
            "pass a checkpoint directory, or train one: gaugan landscapes make -n 3000 --size 128 "
            "-o data/landscapes-128 && gaugan train --config configs/landscapes-128.yaml"
        )
    return DEFAULT_CHECKPOINT


def resolve_checkpoint(name: str | Path | None) -> Path:
    """A checkpoint argument as the commands take it: a directory, or None / "default" for the embedded model."""
    if name is None or str(name) == "default":
        return default_checkpoint()
    return Path(name)
