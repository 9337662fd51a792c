"""`gaugan landscapes probe`: run the swap and reflection probes of `probes.py` on a model.

Held-out label maps of a rendered set (`gaugan landscapes make`) go through the model; the same
numbers are computed on the rendered pictures as the reference a model should approach.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from gaugan.landscapes import classes as C
from gaugan.landscapes.probes import TreeLook, has_reflection_scene, reflection_correlations, swap_class, swap_effects


def held_out_pairs(data_dir: Path, split: str) -> list[tuple[Path, Path]]:
    """(label PNG, picture) paths listed in ``data_dir/<split>.txt``."""
    listing = data_dir / f"{split}.txt"
    if not listing.is_file():
        raise FileNotFoundError(f"{listing} not found: is {data_dir} made by `gaugan landscapes make`?")
    pairs = []
    for line in listing.read_text().split():
        image = data_dir / line
        pairs.append((data_dir / "labels" / f"{image.stem}.png", image))
    return pairs


def _grey(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def run_probes(synth, data_dir: Path, split: str = "test", layouts: int = 12, seeds: int = 4, progress: bool = True) -> dict:
    """Swap effects on tree pixels and reflection correlations; returns a JSON-ready dict."""
    size = synth.output_size
    pairs = held_out_pairs(Path(data_dir), split)
    rng = np.random.default_rng(0)
    swap_looks, reflections = [], {"generated": [], "rendered": []}
    bar = tqdm(total=2 * layouts, desc="probes", disable=not progress)
    for label_path, image_path in pairs:
        labels = np.asarray(Image.open(label_path), dtype=np.int64)
        if size is not None and labels.shape != tuple(size):
            continue
        trees, grass = (labels == C.TREE).sum(), (labels == C.GRASS).sum()
        if len(swap_looks) < layouts and trees >= 30 and grass >= 0.1 * labels.size and not (labels == C.SNOW).any():
            snowy = swap_class(labels, C.GRASS, C.SNOW)
            seed_list = list(range(seeds))
            with_grass = synth([labels] * seeds, seed=seed_list)
            with_snow = synth([snowy] * seeds, seed=seed_list)
            swap_looks.append((
                [TreeLook.of(np.asarray(p), labels) for p in with_grass],
                [TreeLook.of(np.asarray(p), snowy) for p in with_snow],
            ))
            bar.update()
        if len(reflections["generated"]) < layouts and has_reflection_scene(labels, min_water=labels.size // 50):
            generated = np.asarray(synth(labels, seed=0))
            rendered = np.asarray(Image.open(image_path).convert("RGB"))
            reflections["generated"].append(reflection_correlations(_grey(generated), labels, rng))
            reflections["rendered"].append(reflection_correlations(_grey(rendered), labels, rng))
            bar.update()
        if len(swap_looks) >= layouts and len(reflections["generated"]) >= layouts:
            break
    bar.close()
    if not swap_looks or not reflections["generated"]:
        raise ValueError(f"{data_dir}/{split}: no held-out layouts with trees on grass or with water at {size}")
    return {
        "swap_layouts": len(swap_looks),
        "seeds": seeds,
        "swap": [{"statistic": e.name, "change": e.change, "seed_spread": e.seed_spread, "ratio": e.ratio}
                 for e in swap_effects(swap_looks)],
        "reflection_layouts": len(reflections["generated"]),
        "reflection": {
            source: {"mirrored": float(np.mean([m for m, _ in values])), "unrelated": float(np.mean([u for _, u in values]))}
            for source, values in reflections.items()
        },
    }


def format_probes(result: dict) -> str:
    lines = [f"grass -> snow swap ({result['swap_layouts']} layouts x {result['seeds']} seeds), tree pixels:",
             f"  {'statistic':<26}{'change':>9}{'seed spread':>13}{'ratio':>8}"]
    for row in result["swap"]:
        lines.append(f"  {row['statistic']:<26}{row['change']:>9.2f}{row['seed_spread']:>13.2f}{row['ratio']:>8.2f}")
    lines.append(f"reflections ({result['reflection_layouts']} layouts), correlation of the water region with:")
    lines.append(f"  {'pictures':<12}{'mirror image':>14}{'unrelated region':>18}")
    for source, row in result["reflection"].items():
        lines.append(f"  {source:<12}{row['mirrored']:>14.3f}{row['unrelated']:>18.3f}")
    return "\n".join(lines)
