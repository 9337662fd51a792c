"""The embedded models shipped inside the package, by name, and checkpoint arguments as commands take them.

    streets      real street photographs: CamVid (Cambridge) frames, 256x192, 11 classes (issue #13)
    landscapes   procedural landscape renders, 128x128, COCO-Stuff classes (issue #5)

``default`` names the first of `EMBEDDED_ORDER` that this install has: the real-photo model when it is
shipped. Every command that takes a checkpoint directory (`synthesize`, `evaluate`, `serve`,
`train --set init_from=`) also takes these names, so a fresh install works with no download.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
EMBEDDED_MODELS: dict[str, Path] = {
    "streets": PACKAGE / "streets" / "model",
    "landscapes": PACKAGE / "landscapes" / "default",
}
EMBEDDED_ORDER = ("streets", "landscapes")  # photographs first
DESCRIPTIONS = {
    "streets": "street photographs (CamVid, Cambridge), 256x192",
    "landscapes": "procedural landscape renders, 128x128",
}
TRAIN_COMMANDS = {
    "streets": "gaugan train --config configs/streets-256.yaml",
    "landscapes": "gaugan landscapes make -n 3000 --size 128 -o data/landscapes-128 && gaugan train --config configs/landscapes-128.yaml",
}


def is_shipped(name: str) -> bool:
    return (EMBEDDED_MODELS[name] / "config.json").is_file()


def embedded_models() -> list[str]:
    """Names of the embedded models this install has, in `EMBEDDED_ORDER`."""
    return [name for name in EMBEDDED_ORDER if is_shipped(name)]


def embedded_checkpoint(name: str) -> Path:
    """Directory of embedded model ``name`` (config.json + safetensors + app.json ...)."""
    if name not in EMBEDDED_MODELS:
        raise KeyError(f"no embedded model {name!r}; embedded models: {', '.join(EMBEDDED_MODELS)}")
    if not is_shipped(name):
        raise FileNotFoundError(
            f"the embedded {name} model is missing from this install ({EMBEDDED_MODELS[name]}); "
            f"pass a checkpoint directory, or train one: {TRAIN_COMMANDS[name]}"
        )
    return EMBEDDED_MODELS[name]


def default_model_name() -> str:
    """The name ``default`` stands for: the first embedded model this install has."""
    shipped = embedded_models()
    if not shipped:
        raise FileNotFoundError(
            "no embedded model is in this install (looked for " + ", ".join(str(EMBEDDED_MODELS[n]) for n in EMBEDDED_ORDER)
            + "); pass a checkpoint directory"
        )
    return shipped[0]


def default_checkpoint() -> Path:
    """Directory of the default embedded model."""
    return embedded_checkpoint(default_model_name())


def is_model_name(name: str | Path | None) -> bool:
    """Whether a checkpoint argument names an embedded model (or the default) rather than a directory."""
    return name is None or str(name) == "default" or str(name) in EMBEDDED_MODELS


def resolve_checkpoint(name: str | Path | None, raw: bool = False, step: int | None = None) -> Path:
    """A checkpoint argument as the commands take it: a directory, an embedded model's name, or None /
    "default" for the default embedded model. A directory of the same name as a model wins only when
    given as a path (``./streets``).

    A training run or a training checkpoint is exported first (`gaugan.train.exported`: the EMA
    generator with re-estimated batch-norm statistics, or the trained one with ``raw``; a run's
    newest checkpoint unless ``step``), and the export's directory is returned.
    """
    if name is None or str(name) == "default" or str(name) in EMBEDDED_MODELS:
        if raw or step is not None:
            raise ValueError(f"--raw and --step apply to training runs and checkpoints, not to the embedded model {display_name(name)!r}")
        return default_checkpoint() if name is None or str(name) == "default" else embedded_checkpoint(str(name))
    from gaugan.train.exported import inference_checkpoint, is_training_path

    if is_training_path(name):
        import sys

        return inference_checkpoint(name, step=step, raw=raw, log=lambda line: print(f"gaugan: {line}", file=sys.stderr))
    if raw or step is not None:
        raise ValueError(f"--raw and --step apply to training runs and checkpoints; {name} is not one")
    return Path(name)


def display_name(name: str | Path | None) -> str:
    """What the painter and logs call a checkpoint argument: the embedded model's name, else the folder's."""
    if name is None or str(name) == "default":
        return default_model_name()
    if str(name) in EMBEDDED_MODELS:
        return str(name)
    return Path(name).name
