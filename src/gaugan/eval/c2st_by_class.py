"""Which class gives the generated pictures away? The C2ST again, once per class, with that class's
pixels of every generated picture replaced by the real picture's.

If the classifier told the pictures apart by how one class is painted (the trees, say), taking that
class from the real frames takes its evidence away and the held-out cross-entropy rises towards 1 bit
(chance); replacing a class that was painted convincingly changes little. Each rerun uses the same
settings and seed as the plain test (same layout split, same classifier initialisation and batches),
so the differences come from the pictures alone; the plain test's spread between seeds (about 0.1 bit
on CamVid val's 101 pairs) is the noise to read them against. A swap can also lower the cross-entropy:
the real pixels' edges and lighting against the generated rest are evidence of their own, which
shows once the generated pictures are hard to tell apart (read the swaps that raise it).

The replacement is made at the pictures' own resolution and then downsampled like every C2ST picture,
so the seams are as smooth as the downsampling makes them. It keeps one small copy per (picture, class
present in it): memory grows with the classes per picture, so it is asked for (`--c2st-by-class`).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

import torch
from tqdm.auto import tqdm

from gaugan.eval.two_sample import C2STSettings, classifier_two_sample_test, prepare_pictures
from gaugan.labels import LabelSet

DONTCARE_NAME = "don't care"


@dataclass
class ClassSwapScore:
    name: str  # class name ("don't care" for the label set's don't-care id)
    class_id: int
    pixel_fraction: float  # of all pixels of the scored label maps
    accuracy: float  # C2ST held-out accuracy with this class's pixels taken from the real pictures
    log_loss_bits: float  # its held-out cross-entropy (1 = chance): compare with the plain test's

    def to_dict(self) -> dict:
        return asdict(self)


class ClassSwaps:
    """Collects, batch by batch, each generated picture with one class's pixels taken from its real
    picture, downsampled for the C2ST; `scores` runs the test once per class."""

    def __init__(self, labels: LabelSet, max_width: int, min_fraction: float = 0.005) -> None:
        self.labels, self.max_width, self.min_fraction = labels, max_width, min_fraction
        self.pixels = torch.zeros(labels.num_classes + 1, dtype=torch.float64)  # the last: don't care
        self.swapped: dict[int, list[tuple[int, torch.Tensor]]] = {}  # class id -> [(picture index, uint8 (3, h, w))]
        self.count = 0

    @torch.no_grad()
    def add(self, fake: torch.Tensor, real: torch.Tensor, ids: torch.Tensor) -> None:
        """fake, real (N, 3, H, W) in [-1, 1]; ids (N, H, W) model ids, don't care = num_classes."""
        ids = ids.to(fake.device)
        self.pixels += torch.bincount(ids.flatten().clamp(0, self.labels.num_classes).cpu(),
                                      minlength=self.labels.num_classes + 1).double()
        for i in range(fake.size(0)):
            for class_id in ids[i].unique().tolist():
                mask = (ids[i] == class_id).unsqueeze(0)
                swapped = torch.where(mask, real[i], fake[i])
                self.swapped.setdefault(class_id, []).append((self.count + i, prepare_pictures(swapped[None], self.max_width)[0]))
        self.count += fake.size(0)

    def fractions(self) -> torch.Tensor:
        """(num_classes + 1,) share of all collected pixels per class id, don't care last."""
        return self.pixels / self.pixels.sum().clamp(min=1)

    def classes(self) -> list[int]:
        """Class ids present and covering at least ``min_fraction`` of all pixels, the most frequent first."""
        fractions = self.fractions()
        order = torch.argsort(fractions, descending=True).tolist()
        return [c for c in order if fractions[c] > 0 and fractions[c] >= self.min_fraction]

    def scores(self, real_small: torch.Tensor, fake_small: torch.Tensor, settings: C2STSettings,
               progress: bool = False) -> list[ClassSwapScore]:
        """real_small, fake_small (N, 3, h, w) uint8 from `prepare_pictures`, in the order of `add`.
        Returns one score per class of `classes`, the class whose swap raises the cross-entropy most first."""
        if len(fake_small) != self.count:
            raise ValueError(f"{self.count} pictures were collected for the swaps but {len(fake_small)} are scored")
        fractions = self.fractions()
        results = []
        for class_id in tqdm(self.classes(), desc="c2st by class", unit="class", disable=not progress, file=sys.stderr):
            fake = fake_small.clone()
            for index, picture in self.swapped[class_id]:
                fake[index] = picture
            test = classifier_two_sample_test(real_small, fake, settings)
            name = DONTCARE_NAME if class_id == self.labels.num_classes else self.labels.names[class_id]
            results.append(ClassSwapScore(name, class_id, float(fractions[class_id]), test.accuracy, test.log_loss_bits))
        return sorted(results, key=lambda s: -s.log_loss_bits)
