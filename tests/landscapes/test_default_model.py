"""The embedded default model: small enough to ship, complete, and it paints what the labels say."""

import json

import numpy as np
import pytest
from PIL import Image

from gaugan.default_model import EMBEDDED_MODELS, embedded_checkpoint
from gaugan.landscapes import classes as C
from gaugan.pipeline import Synthesizer

pytestmark = pytest.mark.skipif(not (EMBEDDED_MODELS["landscapes"] / "config.json").is_file(), reason="no embedded landscape model in this build")


def test_the_default_model_ships_under_40_mb_with_encoder_presets_and_painter_settings():
    directory = embedded_checkpoint("landscapes")
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    assert size <= 40 * 2**20
    synth = Synthesizer.from_pretrained(directory)
    assert synth.has_encoder and synth.output_size == (128, 128)
    settings = json.loads((directory / "app.json").read_text())
    assert set(settings["featured"]) == set(C.LANDSCAPE_CLASSES)
    assert {p.stem for p in (directory / "styles").glob("*.jpg")} >= {"noon", "dusk", "winter"}
    training = json.loads((directory / "training.json").read_text())
    assert training["step"] > 0 and training["config"]["generator"] == "clade"


def test_sky_over_grass_comes_out_blue_over_green_at_noon_and_seeds_vary():
    directory = embedded_checkpoint("landscapes")
    synth = Synthesizer.from_pretrained(directory)
    layout = np.full((128, 128), C.SKY, np.int64)
    layout[72:] = C.GRASS
    # A random seed may draw dusk or golden-hour light (a red sky is right then): take noon's style.
    noon = np.asarray(synth(layout, style_image=Image.open(directory / "styles" / "noon.jpg")), dtype=np.float64)
    sky, grass = noon[:60].reshape(-1, 3).mean(0), noon[80:].reshape(-1, 3).mean(0)
    assert sky[2] > sky[0] + 20, sky  # blue over red in the sky
    assert grass[1] > grass[0] + 10 and grass[1] > grass[2] + 10, grass  # green grass
    first, second = (np.asarray(p, dtype=np.float64) for p in synth([layout, layout], seed=[0, 1]))
    assert np.abs(first - second).mean() > 1.0  # another seed, another picture
