"""`gaugan data check`: scan a whole dataset and report every problem, without training."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from gaugan.data.errors import DatasetError
from gaugan.data.paired import PairedDataset


@dataclass
class CheckReport:
    samples: int = 0
    class_pixels: np.ndarray | None = None
    sizes: list[tuple[int, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def format(self, dataset: PairedDataset) -> str:
        labels = dataset.labels
        lines = [f"{self.samples} samples, {len(self.problems)} problem(s)"]
        if self.sizes:
            widths = [w for w, _ in self.sizes]
            heights = [h for _, h in self.sizes]
            lines.append(f"image sizes: width {min(widths)}..{max(widths)}, height {min(heights)}..{max(heights)}")
        if self.class_pixels is not None and self.class_pixels.sum() > 0:
            total = self.class_pixels.sum()
            names = list(labels.names) + (["(don't care)"] if labels.dontcare else [])
            lines.append("class histogram (share of labelled pixels):")
            for i in np.argsort(-self.class_pixels):
                if self.class_pixels[i] == 0:
                    break
                lines.append(f"  {i:>4} {names[i]:<24} {self.class_pixels[i] / total:7.2%}")
            absent = [names[i] for i in range(len(names)) if self.class_pixels[i] == 0]
            if absent:
                lines.append(f"classes never seen ({len(absent)}): {', '.join(absent[:20])}{' ...' if len(absent) > 20 else ''}")
        if self.problems:
            lines.append("problems:")
            lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def check_dataset(dataset: PairedDataset, progress: bool = True) -> CheckReport:
    """Read every sample at full resolution; collect problems instead of stopping at the first."""
    report = CheckReport(class_pixels=np.zeros(dataset.labels.num_classes + int(dataset.labels.dontcare), dtype=np.int64))
    for index in tqdm(range(len(dataset)), desc="checking", unit="sample", disable=not progress):
        try:
            image, label, _ = dataset.load_raw(index)
        except DatasetError as err:
            report.problems.append(str(err))
            continue
        report.samples += 1
        report.sizes.append(image.size)
        report.class_pixels += np.bincount(label.ravel(), minlength=len(report.class_pixels))
    return report
