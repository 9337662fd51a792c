"""Render N paired scenes into the generic folder layout (deterministic per seed).

    OUT/images/00000.jpg   rendered picture
    OUT/labels/00000.png   label map, COCO-Stuff label values (uint8)
    OUT/labels.json        the COCO-Stuff label set (names, colours; 255 = don't care)
    OUT/train.txt, test.txt
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from gaugan.landscapes.layout import make_layout
from gaugan.landscapes.render import render


def scene_seed(seed: int, index: int) -> int:
    return seed * 1_000_003 + index


def render_scene(size: int, seed: int, index: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """(image (S, S, 3) uint8, labels (S, S) uint8, info) of scene ``index`` of a run with ``seed``."""
    rng = np.random.default_rng(scene_seed(seed, index))
    layout = make_layout(size, rng)
    image, light = render(layout, rng)
    return image, layout.labels, {"light": light, "winter": bool(layout.winter)}


def _write_one(job: tuple[Path, int, int, int]) -> dict:
    out, size, seed, index = job
    image, labels, info = render_scene(size, seed, index)
    name = f"{index:05d}"
    Image.fromarray(image).save(out / "images" / f"{name}.jpg", quality=95)
    Image.fromarray(labels).save(out / "labels" / f"{name}.png")
    return {"name": name, **info}


def make_dataset(out: Path, count: int, size: int = 256, seed: int = 0, test_fraction: float = 0.1,
                 workers: int | None = None, progress: bool = True) -> dict:
    """Write ``count`` scenes to ``out``; returns a summary (counts per light, winter share)."""
    from gaugan.data import load_labelset

    if size < 32:
        raise ValueError(f"size must be at least 32 pixels, got {size}")
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    labels = load_labelset("coco-stuff")
    (out / "labels.json").write_text(json.dumps({**labels.to_dict(), "dontcare": False, "instance": False}, indent=1) + "\n")
    jobs = [(out, size, seed, i) for i in range(count)]
    workers = workers or min(2, multiprocessing.cpu_count())
    bar = tqdm(total=count, desc="rendering", unit="scene", disable=not progress)
    results = []
    if workers > 1 and count > 8:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for result in pool.imap(_write_one, jobs, chunksize=8):
                results.append(result)
                bar.update(1)
    else:
        for job in jobs:
            results.append(_write_one(job))
            bar.update(1)
    bar.close()
    n_test = int(round(count * test_fraction))
    names = [r["name"] for r in results]
    (out / "train.txt").write_text("".join(f"images/{n}.jpg\n" for n in names[: count - n_test]))
    (out / "test.txt").write_text("".join(f"images/{n}.jpg\n" for n in names[count - n_test :]))
    lights: dict[str, int] = {}
    for r in results:
        lights[r["light"]] = lights.get(r["light"], 0) + 1
    return {"scenes": count, "train": count - n_test, "test": n_test, "lights": lights,
            "winter": sum(r["winter"] for r in results)}
