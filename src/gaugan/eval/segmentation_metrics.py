"""mIoU and pixel accuracy from a confusion matrix, the paper's semantic-fidelity metrics."""

from __future__ import annotations

from dataclasses import dataclass

import torch


class ConfusionMatrix:
    """Accumulates (num_classes x num_classes) counts: rows = ground truth, columns = prediction.

    Pixels whose ground truth is ``ignore_index`` (don't care) or outside 0..num_classes-1 are
    skipped. Predictions outside the classes count as wrong.
    """

    def __init__(self, num_classes: int, ignore_index: int | None = None) -> None:
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.counts = torch.zeros(num_classes, num_classes, dtype=torch.int64)
        # Per true class: pixels predicted as an id outside the classes (a miss, but no column).
        self.misses = torch.zeros(num_classes, dtype=torch.int64)

    def update(self, target: torch.Tensor, prediction: torch.Tensor) -> None:
        """target, prediction: integer tensors of the same shape (e.g. (N, H, W))."""
        if target.shape != prediction.shape:
            raise ValueError(f"target {tuple(target.shape)} and prediction {tuple(prediction.shape)} differ in shape")
        target = target.reshape(-1).long().cpu()
        prediction = prediction.reshape(-1).long().cpu()
        valid = (target >= 0) & (target < self.num_classes)
        if self.ignore_index is not None:
            valid &= target != self.ignore_index
        target, prediction = target[valid], prediction[valid]
        in_range = (prediction >= 0) & (prediction < self.num_classes)
        self.misses += torch.bincount(target[~in_range], minlength=self.num_classes)
        index = target[in_range] * self.num_classes + prediction[in_range]
        self.counts += torch.bincount(index, minlength=self.num_classes**2).view(self.num_classes, self.num_classes)

    def result(self) -> "SegmentationScores":
        counts = self.counts.double()
        misses = self.misses.double()
        true_positive = counts.diag()
        gt_total = counts.sum(1) + misses
        pred_total = counts.sum(0)
        union = gt_total + pred_total - true_positive
        present = union > 0
        iou = torch.where(present, true_positive / union.clamp(min=1), torch.full_like(union, float("nan")))
        total = gt_total.sum()
        accuracy = float(true_positive.sum() / total) if total > 0 else float("nan")
        miou = float(iou[present].mean()) if present.any() else float("nan")
        return SegmentationScores(miou, accuracy, iou.tolist())


@dataclass(frozen=True)
class SegmentationScores:
    """mIoU over classes present in ground truth or prediction; accuracy over non-ignored pixels."""

    miou: float
    accuracy: float
    per_class_iou: list[float]
