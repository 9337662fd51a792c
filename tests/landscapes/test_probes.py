"""The swap and reflection probes measure what they claim: on rendered scenes and on painters
whose behaviour is known (one that frosts trees on snow, one that does not)."""

import numpy as np
from PIL import Image

from gaugan.landscapes import classes as C
from gaugan.landscapes.make import make_dataset
from gaugan.landscapes.probe_run import format_probes, run_probes


class ColourPainter:
    """A stand-in model: a flat colour per class plus seeded noise; trees turn white beside snow if ``frost``."""

    def __init__(self, size: int, frost: bool) -> None:
        self.output_size = (size, size)
        self.frost = frost

    def __call__(self, label_maps, seed=0):
        single = not isinstance(label_maps, list)
        maps = [label_maps] if single else label_maps
        seeds = [seed] * len(maps) if isinstance(seed, int) else seed
        pictures = []
        for labels, s in zip(maps, seeds):
            rng = np.random.default_rng(s)
            colours = rng.integers(0, 256, (256, 3)).astype(np.float64)
            colours[C.TREE] = (40, 90, 40)
            if self.frost and (labels == C.SNOW).any():
                colours[C.TREE] = (200, 210, 230)
            image = colours[labels] + rng.normal(0, 8, labels.shape + (3,))
            pictures.append(Image.fromarray(image.clip(0, 255).astype(np.uint8)))
        return pictures[0] if single else pictures


def test_swap_effect_is_large_only_for_a_painter_that_frosts_trees_and_rendered_water_reflects(tmp_path):
    make_dataset(tmp_path, 80, size=64, seed=1, test_fraction=0.5, workers=1, progress=False)
    frosting = run_probes(ColourPainter(64, frost=True), tmp_path, layouts=4, seeds=3, progress=False)
    plain = run_probes(ColourPainter(64, frost=False), tmp_path, layouts=4, seeds=3, progress=False)
    brightness = {r["statistic"]: r for r in frosting["swap"]}["tree brightness"]
    assert brightness["ratio"] > 10
    assert {r["statistic"]: r for r in plain["swap"]}["tree brightness"]["ratio"] < 2
    rendered = frosting["reflection"]["rendered"]
    assert rendered["mirrored"] > rendered["unrelated"] + 0.2  # the renderer mirrors the shore
    painted = frosting["reflection"]["generated"]
    assert painted["mirrored"] < rendered["mirrored"]  # flat colours per class carry no mirror image
    assert "grass -> snow" in format_probes(frosting)
