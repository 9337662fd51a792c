"""Training speed of the configs we train, side by side with the official code (issue #14).

Rows (each its own process, all built first, then timed round-robin: one iteration of every row
per round, so load from other processes hits them alike; the table gives the median):

- ``coco-256``: the paper's COCO-Stuff setup: SPADE ngf 64, 2 x 4-layer discriminators, 256x256,
  batch 1, no VGG, 182 classes + don't-care + instance edges; fp32 and bf16;
- each ``--configs`` YAML (by default the embedded models' ``configs/landscapes-128.yaml`` and
  ``configs/streets-256.yaml``) at its own size, batch, generator, encoder and precision, with the
  label set of its dataset (``folder`` datasets: COCO-Stuff's); add ``--precisions`` to time it
  in other precisions too;
- ``official``: NVlabs/SPADE's ``train.py`` iteration at coco-256 (`official_train_step.py`), when
  ``--official`` names a checkout and ``--official-python`` a Python with its dependencies;
- ``before``: the same rows from another source tree (``--before-src``, e.g. a ``git worktree`` of
  an older commit), to measure a speed-up in one run.

A row's process runs `gaugan.train.Trainer`'s own training step (`TrainingStep`, label lookups
and all, as ``gaugan train`` on CPU) on a random blocky label map (16 x 16 px cells of 12
classes) and image, with malloc tuned before torch is imported; the official row gets the same
allocator settings via glibc's variables.
Every row holds its models and peak heap (up to ~3 GB for coco-256 fp32) for the whole run: on
a 23 GB machine, time coco-256 (``--configs`` with no paths) and the configs (``--no-coco``) in
separate runs. GFLOP per iteration are counted once per row (``FlopCounterMode``: convolutions and matmuls,
forward and backward; table lookups count 0).

    python benchmarks/train_configs.py [--configs ...] [--precisions fp32 bf16] [--repeats 5]
        [--coco-precisions fp32 bf16] [--threads 2]
        [--official /tmp/spade-official --official-python /tmp/spade-venv/bin/python]
        [--before-src /tmp/gaugan-before/src]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MALLOC_VARIABLES = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "17179869184",
                    "MALLOC_TOP_PAD_": "536870912"}  # what gaugan.fast.tune_malloc sets, as glibc variables
CLASSES_PER_MAP = 12
COCO_256 = {"generator": "spade", "crop_size": 256, "load_size": 256, "batch_size": 1, "ngf": 64, "ndf": 64,
            "use_vae": False, "use_vgg": False}


# ---- one row's process ------------------------------------------------------------------------
def worker(spec: str, precision: str, threads: int) -> None:
    """Build the row, count its GFLOP, then time one iteration per line read from stdin."""
    from gaugan.fast import tune_malloc

    tune_malloc()
    import time

    import torch
    import yaml
    from torch.utils.data import Dataset
    from torch.utils.flop_counter import FlopCounterMode

    from gaugan.data import load_labelset
    from gaugan.train.config import TrainConfig
    from gaugan.train.trainer import Trainer

    torch.set_num_threads(threads)
    options = dict(COCO_256, dataset="coco-stuff") if spec == "coco-256" else yaml.safe_load(Path(spec).read_text())
    dataset_name = options.get("dataset", "coco-stuff")
    labels = load_labelset("coco-stuff" if dataset_name == "folder" else dataset_name)
    fields = TrainConfig.__dataclass_fields__
    config = TrainConfig(**{k: v for k, v in options.items() if k in fields and k not in ("dataroot", "output_dir", "precision")},
                         precision=precision, output_dir=str(Path(os.environ.get("TMPDIR", "/tmp")) / "train-configs-bench"))
    height = round(config.crop_size / config.aspect_ratio)
    width = config.crop_size

    class RandomLayouts(Dataset):
        """Blocky random label maps (16 x 16 px cells) with random images: what a step reads."""

        def __len__(self) -> int:
            return config.batch_size

        def __getitem__(self, index: int) -> dict:
            g = torch.Generator().manual_seed(index)
            # Each map draws its cells from 12 of the classes, as a real layout holds ~10 (a CamVid
            # frame, a landscape scene, a COCO-Stuff photo): CLADE's lookups and the discriminator's
            # coarse scales work on the classes present.
            palette = torch.randperm(labels.num_classes, generator=g)[:CLASSES_PER_MAP]  # (12,) class ids
            cells = palette[torch.randint(0, palette.numel(), (1, 1, max(1, height // 16), max(1, width // 16)), generator=g)]
            label = torch.nn.functional.interpolate(cells.float(), size=(height, width), mode="nearest")[0, 0].long()
            sample = {"label": label, "image": torch.rand(3, height, width, generator=g) * 2 - 1}
            if labels.instance:
                sample["instance"] = label.clone()  # one instance per class region
            return sample

    trainer = Trainer(config, dataset=RandomLayouts(), labels=labels, show_progress=False)
    micro_batches = trainer._micro_batches(next(iter(trainer._loader(0, 0))))
    with FlopCounterMode(display=False) as counter:
        trainer.step_fn(micro_batches)
    print(f"ready {counter.get_total_flops() / 1e9:.1f} {config.batch_size} {width}x{height} {config.generator}", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        trainer.step_fn(micro_batches)
        print(f"{time.perf_counter() - start:.4f}", flush=True)


# ---- the driver -------------------------------------------------------------------------------
@dataclass
class Row:
    name: str
    process: subprocess.Popen
    gflop: float | None = None
    batch: int = 1
    shape: str = ""
    times: list[float] = field(default_factory=list)

    def ask(self) -> str:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        return self.read()

    def read(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"row {self.name!r} exited (code {self.process.wait()}); its stderr is above")
        return line.strip()


def start_rows(args) -> list[Row]:
    rows = []
    sources = [("", None)] + ([("before: ", args.before_src)] if args.before_src else [])
    specs = [] if args.no_coco else [("coco-256", p) for p in args.coco_precisions]
    for path in args.configs:
        own = _config_precision(path)
        specs += [(path, p) for p in dict.fromkeys([own, *args.precisions])]
    for prefix, src in sources:
        env = dict(os.environ)
        if src:
            env["PYTHONPATH"] = str(Path(src).resolve())
        for spec, precision in specs:
            name = f"{prefix}{Path(spec).stem}, {precision}"
            command = [sys.executable, __file__, "--worker", spec, precision, str(args.threads)]
            rows.append(Row(name, subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)))
    if args.official and not args.no_coco:
        command = [args.official_python, str(HERE / "official_train_step.py"), "256", "1", "64", "182", str(args.threads)]
        env = dict(os.environ, **MALLOC_VARIABLES)
        rows.append(Row("official NVlabs/SPADE coco-256, fp32", subprocess.Popen(
            command, cwd=args.official, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env), batch=1, shape="256x256 spade"))
    return rows


def _config_precision(path: str) -> str:
    """The precision ``gaugan train`` would compute this config in on this machine: ``auto`` (also
    the default when the config names none) resolved, so that a "before" tree from when ``auto``
    did not exist yet runs the same precision."""
    import yaml

    from gaugan.train.config import TrainConfig
    from gaugan.train.precision import resolve_precision

    options = yaml.safe_load(Path(path).read_text())
    precision = options.get("precision", TrainConfig.__dataclass_fields__["precision"].default)
    return resolve_precision(precision, "cpu", options.get("discriminator", "multiscale"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", nargs=3, metavar=("SPEC", "PRECISION", "THREADS"), help=argparse.SUPPRESS)
    parser.add_argument("--configs", nargs="*", default=[str(HERE.parent / "configs" / n) for n in ("landscapes-128.yaml", "streets-256.yaml")])
    parser.add_argument("--precisions", nargs="*", default=[], help="also time the configs in these precisions")
    parser.add_argument("--no-coco", action="store_true", help="only the configs' rows (no coco-256, no official)")
    parser.add_argument("--coco-precisions", nargs="+", default=["fp32", "bf16"],
                        help="coco-256's rows (fp32 alone on CPUs without native bf16, where bf16 is emulated: minutes per iteration)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--official", help="a checkout of NVlabs/SPADE")
    parser.add_argument("--official-python", default="python", help="a Python with torch + torchvision for it")
    parser.add_argument("--before-src", help="another gaugan source tree (the folder holding gaugan/) for 'before' rows")
    args = parser.parse_args()
    if args.worker:
        spec, precision, threads = args.worker
        worker(spec, precision, int(threads))
        return

    rows = start_rows(args)
    for row in rows:  # built one at a time: the first iterations allocate and page in the most
        words = row.read().split()
        if words[0] != "ready":
            raise RuntimeError(f"row {row.name!r} said {words!r}")
        if len(words) > 1:
            row.gflop, row.batch, row.shape = float(words[1]), int(words[2]), " ".join(words[3:])
    for round_index in range(args.warmup + args.repeats):
        for row in rows:
            seconds = float(row.ask())
            if round_index >= args.warmup:
                row.times.append(seconds)
    for row in rows:
        row.process.stdin.close()
        row.process.wait()

    print(f"{args.threads} threads per row, median of {args.repeats} round-robin iterations after {args.warmup} warm-up")
    print()
    print("| row | size, generator | batch | s / iteration | min | max | images / s | GFLOP / it | GFLOP/s | official / row |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    official = next((statistics.median(r.times) for r in rows if r.name.startswith("official")), None)
    for row in rows:
        median = statistics.median(row.times)
        gflop = f"{row.gflop:.0f}" if row.gflop is not None else ""
        rate = f"{row.gflop / median:.0f}" if row.gflop is not None else ""
        ratio = f"{official / median:.2f}x" if official and "coco-256" in row.name else ""
        print(f"| {row.name} | {row.shape} | {row.batch} | {median:.2f} | {min(row.times):.2f} | {max(row.times):.2f} | "
              f"{row.batch / median:.2f} | {gflop} | {rate} | {ratio} |")


if __name__ == "__main__":
    main()
