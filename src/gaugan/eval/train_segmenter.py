"""Train `SmallSegmenter` on the real images of a dataset (cross-entropy, don't care ignored)."""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from gaugan.data.batching import collate_samples
from gaugan.eval.segmenter import SegmenterConfig, SmallSegmenter
from gaugan.eval.segmentation_metrics import ConfusionMatrix, SegmentationScores
from gaugan.labels import LabelSet


def train_segmenter(
    dataset: Dataset,
    labels: LabelSet,
    steps: int = 500,
    batch_size: int = 8,
    lr: float = 2e-3,
    width: int = 32,
    depth: int = 3,
    seed: int = 0,
    progress: bool = True,
    input_size: tuple[int, int] | None = None,
) -> tuple[SmallSegmenter, list[float]]:
    """Returns the trained segmenter (eval mode) and its loss per step.

    ``input_size`` (H, W): the size of ``dataset``'s images, recorded so that the segmenter
    resizes pictures of other sizes to it when it scores them.
    """
    torch.manual_seed(seed)
    model = SmallSegmenter(SegmenterConfig(labels.num_classes, width, depth, input_size))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    ignore = labels.dontcare_id if labels.dontcare else -100
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=len(dataset) >= batch_size,
                        collate_fn=collate_samples, generator=torch.Generator().manual_seed(seed))
    losses: list[float] = []
    model.train()
    bar = tqdm(total=steps, desc="train-segmenter", unit="it", disable=not progress, file=sys.stderr)
    while len(losses) < steps:
        for batch in loader:
            logits = model(batch["image"])
            loss = F.cross_entropy(logits, batch["label"], ignore_index=ignore)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.detach().item())
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
            if len(losses) >= steps:
                break
    bar.close()
    return model.eval(), losses


@torch.no_grad()
def score_segmenter(segment, images: torch.Tensor, labels_ids: torch.Tensor, confusion: ConfusionMatrix) -> None:
    """Accumulate one batch: ``segment`` logits are resized (bilinear) to the label size first."""
    from gaugan.eval.evaluate import segment_ids

    confusion.update(labels_ids, segment_ids(segment, images, labels_ids.shape[-2:]))


def evaluate_segmenter_on(dataset: Dataset, segment, labels: LabelSet, batch_size: int = 8) -> SegmentationScores:
    confusion = ConfusionMatrix(labels.num_classes, labels.dontcare_id)
    for batch in DataLoader(dataset, batch_size=batch_size, collate_fn=collate_samples):
        score_segmenter(segment, batch["image"], batch["label"], confusion)
    return confusion.result()
