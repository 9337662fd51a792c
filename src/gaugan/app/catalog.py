"""The models one painter serves: a `PainterModel` per checkpoint, under a unique name.

    models = {"streets": PainterModel.from_checkpoint(dir_a), "mine": PainterModel.from_checkpoint(dir_b)}
    app = create_app(models)        # the first entry is the default model of every route

A `PainterModel` is a `Synthesizer` plus what the page starts with, read from the checkpoint
directory once, at start-up (`gaugan.app.extras`): painter settings, style presets and examples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gaugan.app.extras import Example, PainterSettings, StylePreset, load_examples, load_style_presets, read_painter_settings

FALLBACK_SIZE = (256, 256)  # generators whose config states no output size (pix2pixHD baselines)


def model_size(synth) -> tuple[int, int]:
    """(H, W) of the model's pictures."""
    return tuple(synth.output_size) if synth.output_size else FALLBACK_SIZE


def encoder_input_size(synth) -> int:
    encoder = getattr(getattr(synth, "model", None), "encoder", None)
    return int(getattr(getattr(encoder, "config", None), "input_size", 256))


@dataclass
class PainterModel:
    """One served model: ``synth`` (a `gaugan.pipeline.Synthesizer`) and its painter files."""

    synth: object
    settings: PainterSettings = field(default_factory=PainterSettings)
    styles: tuple[StylePreset, ...] = ()
    examples: tuple[Example, ...] = ()
    description: str = ""

    @classmethod
    def from_checkpoint(
        cls, directory: str | Path, *, description: str = "", device: str = "cpu", precision: str = "fp32", backend: str = "auto"
    ) -> "PainterModel":
        """Load the checkpoint and its app.json, styles/ and examples/ (raises `AppConfigError` naming a bad file)."""
        from gaugan.pipeline import Synthesizer  # torch: only once a model is actually loaded

        synth = Synthesizer.from_pretrained(directory, device=device, precision=precision, backend=backend)
        settings = read_painter_settings(directory, synth.labels)
        styles = load_style_presets(directory, encoder_input_size(synth)) if synth.has_encoder else []
        examples = load_examples(directory, synth.labels, model_size(synth))
        return cls(synth, settings, tuple(styles), tuple(examples), description or settings.description)


def unique_names(names: list[str]) -> list[str]:
    """``names`` with repeats suffixed ``-2``, ``-3``... (two checkpoint folders may share a name)."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}-{n}"
        seen.add(candidate)
        out.append(candidate)
    return out
