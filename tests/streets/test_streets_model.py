"""The embedded `streets` model: small enough to ship, complete, and it paints street photographs
where the layout says: a grey-blue sky above, a dark road below, seeds that vary."""

import json

import numpy as np
import pytest
from PIL import Image

from gaugan.default_model import EMBEDDED_MODELS, default_model_name, embedded_checkpoint, resolve_checkpoint
from gaugan.pipeline import Synthesizer

pytestmark = pytest.mark.skipif(not (EMBEDDED_MODELS["streets"] / "config.json").is_file(), reason="no embedded streets model in this build")


def test_streets_ships_under_60_mb_with_encoder_styles_examples_and_is_the_default():
    directory = embedded_checkpoint("streets")
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    assert size <= 60 * 2**20
    synth = Synthesizer.from_pretrained(directory)
    assert synth.has_encoder and synth.output_size == (192, 256) and synth.labels.num_classes == 11
    assert sorted(json.loads((directory / "app.json").read_text())["featured"]) == list(range(11))
    assert len(list((directory / "styles").glob("*.jpg"))) >= 3
    assert len(list((directory / "examples").glob("*.png"))) >= 4
    training = json.loads((directory / "training.json").read_text())
    assert training["step"] > 0 and training["config"]["dataset"] == "camvid"
    assert default_model_name() == "streets" and resolve_checkpoint("default") == directory


def test_sky_above_road_comes_out_light_above_dark_and_seeds_vary():
    directory = embedded_checkpoint("streets")
    synth = Synthesizer.from_pretrained(directory)
    layout = np.full((192, 256), 1, np.int64)  # building
    layout[:60] = 0  # sky
    layout[130:] = 3  # road
    picture = np.asarray(synth(layout, style_image=Image.open(directory / "styles" / "overcast.jpg")), dtype=np.float64)
    sky, road = picture[:50].mean(), picture[140:].mean()
    assert sky > road + 30, (sky, road)  # an overcast sky is brighter than the tarmac
    first, second = (np.asarray(p, dtype=np.float64) for p in synth([layout, layout], seed=[0, 1]))
    assert np.abs(first - second).mean() > 1.0  # another seed, another picture


def test_every_shipped_example_is_a_heldout_layout_the_model_paints():
    directory = embedded_checkpoint("streets")
    synth = Synthesizer.from_pretrained(directory)
    for path in sorted((directory / "examples").glob("*.png")):
        ids = np.asarray(Image.open(path))
        assert ids.shape == (192, 256) and ids.max() <= 11
        assert np.asarray(synth(ids, seed=0)).shape == (192, 256, 3)
