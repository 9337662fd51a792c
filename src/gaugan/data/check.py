"""`gaugan data check`: scan a whole dataset and report every problem, without training.

Reads every pair at full resolution: counts, resolution range, class histogram (with names) and all
problems found (pairing, unreadable files, bad label values, size mismatches, inputs too small for
the crop), not just the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from gaugan.data.paired import PairedDataset
from gaugan.labels import LabelSet


@dataclass
class CheckReport:
    """What `check_dataset` found. ``class_pixels`` / ``class_images``: one entry per internal id."""

    pairs: int = 0
    clean: int = 0
    sizes: list[tuple[int, int]] = field(default_factory=list)
    class_pixels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    class_images: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self, labels: LabelSet, title: str = "") -> str:
        lines = [title] if title else []
        lines.append(f"pairs: {self.pairs} ({self.clean} without problems)")
        if self.sizes:
            widths, heights = [w for w, _ in self.sizes], [h for _, h in self.sizes]
            lines.append(
                f"image sizes: width {min(widths)}..{max(widths)}, height {min(heights)}..{max(heights)} "
                f"({len(set(self.sizes))} distinct)"
            )
        names = list(labels.names) + (["(don't care)"] if labels.dontcare else [])
        total = int(self.class_pixels.sum())
        if total:
            seen = [i for i in np.argsort(-self.class_pixels, kind="stable") if self.class_pixels[i] > 0]
            real_seen = sum(1 for i in seen if i < labels.num_classes)
            lines.append(f"classes seen: {real_seen} of {labels.num_classes}")
            lines.append("class histogram (id, name, share of pixels, images containing it):")
            for i in seen:
                lines.append(f"  {i:>4}  {names[i]:<28} {self.class_pixels[i] / total:8.3%}  {int(self.class_images[i]):>6}")
            never = [names[i] for i in range(labels.num_classes) if self.class_pixels[i] == 0]
            if never:
                shown = ", ".join(never[:30]) + (f" ... ({len(never) - 30} more)" if len(never) > 30 else "")
                lines.append(f"classes never seen ({len(never)}): {shown}")
        if self.problems:
            lines.append(f"problems ({len(self.problems)}):")
            lines += [f"  - {p}" for p in self.problems]
        else:
            lines.append("no problems found")
        return "\n".join(lines)


def check_dataset(dataset: PairedDataset, progress: bool | None = None) -> CheckReport:
    """Read every pair of ``dataset`` (built with ``strict=False`` to see pairing problems too).

    ``progress``: show a tqdm bar (None: only on a terminal).
    """
    labels = dataset.labels
    channels = labels.num_classes + int(labels.dontcare)
    report = CheckReport(
        pairs=len(dataset),
        class_pixels=np.zeros(channels, np.int64),
        class_images=np.zeros(channels, np.int64),
        problems=list(dataset.problems),
    )
    opts = dataset.preprocess
    for index in tqdm(range(len(dataset)), desc="checking", unit="pair", disable=(None if progress is None else not progress)):
        found = dataset.inspect(index)
        if found.size is not None:
            report.sizes.append(found.size)
            w, h = opts.resized_size(found.size)
            if opts.crops and (w < opts.crop_size or h < opts.crop_size):
                found.problems.append(
                    f"{dataset.samples[index].image}: {found.size[0]}x{found.size[1]} becomes {w}x{h} with "
                    f"{opts.describe()}, smaller than crop_size {opts.crop_size}"
                )
        if found.label is not None:
            counts = np.bincount(found.label.ravel(), minlength=channels)
            report.class_pixels += counts
            report.class_images += counts > 0
        report.problems += found.problems
        report.clean += not found.problems
    return report
