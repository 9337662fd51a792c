"""The paper's evaluation: generate from held-out label maps, then score semantic fidelity
(mIoU / accuracy of a segmenter on the generated images) and realism (FID, KID vs the real images).

Two realism scores that need no downloaded weights, for when FID cannot run: the classifier
two-sample test (`two_sample`: can a small CNN trained on half the layouts tell the real picture
from the generated one on the other half?) and the Frechet segmenter distance (`segmenter_distance`:
FID's formula on features of gaugan's own segmenter). The segmenter's mIoU saturates once layouts
are followed (generated pictures score like real ones); these two do not.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from gaugan.data.batching import collate_samples
from gaugan.eval.diversity import mean_pairwise_distance
from gaugan.eval.fid import FeatureStatistics, frechet_distance, kernel_inception_distance
from gaugan.eval.segmentation_metrics import ConfusionMatrix
from gaugan.eval.segmenter_distance import extract_segmenter_features, frechet_segmenter_distance, segmenter_features
from gaugan.eval.train_segmenter import score_segmenter
from gaugan.eval.two_sample import C2STSettings, classifier_two_sample_test, prepare_pictures
from gaugan.models import GauGAN
from gaugan.semantics import semantic_input


@dataclass
class EvaluationResult:
    images: int
    miou: float | None = None
    accuracy: float | None = None
    miou_real: float | None = None
    accuracy_real: float | None = None
    # Class name -> IoU on the generated / real pictures (None: absent from both labels and predictions).
    class_iou: dict[str, float | None] | None = None
    class_iou_real: dict[str, float | None] | None = None
    fid: float | None = None
    kid: float | None = None
    kid_std: float | None = None
    c2st_accuracy: float | None = None  # held-out real-vs-generated accuracy: 0.5 = indistinguishable
    c2st_stderr: float | None = None
    c2st_paired_accuracy: float | None = None  # held-out layouts whose real picture scores as more real
    c2st_log_loss_bits: float | None = None  # held-out cross-entropy: 1 bit = chance; lower = more easily told apart
    c2st_pairs: int | None = None
    c2st_protocol: dict | None = None  # settings, classifier resolution, counts, per-fold accuracies
    fsd: float | None = None  # Frechet segmenter distance (lower is better; same segmenter only)
    seed_diversity: float | None = None  # mean |difference| between seeds' pictures of a layout, 0..255
    diversity_seeds: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def table(self) -> str:
        def fmt(value: float | None, scale: float = 1.0) -> str:
            return "n/a" if value is None else f"{value * scale:.1f}"

        lines = [
            f"{'':<22}{'mIoU':>8}{'accu':>8}{'FID':>8}",
            f"{'generated':<22}{fmt(self.miou, 100):>8}{fmt(self.accuracy, 100):>8}{fmt(self.fid):>8}",
        ]
        if self.miou_real is not None:
            lines.append(f"{'real (segmenter ref.)':<22}{fmt(self.miou_real, 100):>8}{fmt(self.accuracy_real, 100):>8}{'':>8}")
        if self.class_iou is not None:
            lines.append("IoU per class (generated / real): " + ", ".join(
                f"{name} {fmt(value, 100)}" + (f"/{fmt((self.class_iou_real or {}).get(name), 100)}" if self.class_iou_real else "")
                for name, value in self.class_iou.items()
                if value is not None or (self.class_iou_real or {}).get(name) is not None))  # classes present only
        if self.kid is not None:
            lines.append(f"KID {self.kid * 1000:.2f} +- {self.kid_std * 1000:.2f} (x 1e-3)")
        if self.c2st_accuracy is not None:
            lines.append(self._c2st_line())
        if self.fsd is not None:
            lines.append(f"FSD {self.fsd:.3f} (Frechet segmenter distance, real vs generated; lower is better)")
        if self.seed_diversity is not None:
            lines.append(f"seed diversity {self.seed_diversity:.1f} (mean |difference| of {self.diversity_seeds} seeds' pictures "
                         "of a layout, 0..255)")
        lines.append(f"{self.images} images")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _c2st_line(self) -> str:
        p = self.c2st_protocol or {}
        s, (h, w) = p.get("settings", {}), p.get("resolution", (0, 0))
        halves = "2 swapped halves" if s.get("folds") == 2 else "1 split"
        return (f"C2ST {self.c2st_accuracy:.3f} +- {self.c2st_stderr:.3f} held-out real-vs-generated accuracy "
                f"(0.5 = indistinguishable; paired {self.c2st_paired_accuracy:.3f}; cross-entropy "
                f"{self.c2st_log_loss_bits:.3f} bits, 1 = chance) over {self.c2st_pairs} layouts, "
                f"{halves}, classifier at {w}x{h}, {s.get('steps')} steps, seed {s.get('seed')}")


@torch.no_grad()
def evaluate(
    model: GauGAN,
    dataset: Dataset,
    segment=None,
    inception: torch.nn.Module | None = None,
    batch_size: int = 8,
    seed: int = 0,
    real_stats_path: Path | None = None,
    score_real: bool = True,
    progress: bool = True,
    c2st: C2STSettings | None = None,
    fsd: bool = True,
    diversity_seeds: int = 0,
) -> EvaluationResult:
    """Generate one image per label map (z drawn from ``seed`` for encoder models) and score them.

    ``c2st``: run the classifier two-sample test with these settings on the (real, generated) pair
    of every label map (None: skip). ``fsd``: the Frechet segmenter distance, when ``segment`` is
    gaugan's own segmenter (it has ``features``). ``diversity_seeds`` >= 2: also paint every label
    map with that many style codes (the scored one and ``diversity_seeds - 1`` more) and report
    their mean pairwise distance (encoder models only).
    """
    model = model.eval()
    labels = model.labels
    confusion = ConfusionMatrix(labels.num_classes, labels.dontcare_id) if segment is not None else None
    confusion_real = ConfusionMatrix(labels.num_classes, labels.dontcare_id) if segment is not None and score_real else None
    fake_features, real_features = [], []
    features = segmenter_features(segment) if fsd else None
    fake_seg_features, real_seg_features = [], []
    # The C2ST needs every pair at once; keep them at the classifier's (small) resolution, in uint8.
    fake_small, real_small = [], []
    cached_real = FeatureStatistics.load(real_stats_path) if real_stats_path is not None and real_stats_path.is_file() else None
    generator = torch.Generator().manual_seed(seed)
    uses_z = getattr(model.generator.config, "use_vae", False)
    distances = []
    count = 0
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=collate_samples)
    for batch in tqdm(loader, desc="evaluate", unit="batch", disable=not progress, file=sys.stderr):
        ids = batch["label"]
        semantics = semantic_input(ids, labels, batch.get("instance") if labels.instance else None)
        if uses_z:
            z = torch.randn(ids.size(0), model.generator.config.z_dim, generator=generator)
            fake = model(semantics, z=z)
        else:
            fake = model(semantics)
        if uses_z and diversity_seeds >= 2:
            others = [model(semantics, z=torch.randn(z.shape, generator=generator)) for _ in range(diversity_seeds - 1)]
            distances.append(mean_pairwise_distance(torch.stack([fake, *others])))
        if fake.shape[-2:] != ids.shape[-2:]:
            raise ValueError(f"generated {tuple(fake.shape[-2:])} but labels are {tuple(ids.shape[-2:])}: build the dataset at the model's size")
        count += ids.size(0)
        if confusion is not None:
            score_segmenter(segment, fake, ids, confusion)
        if confusion_real is not None:
            score_segmenter(segment, batch["image"], ids, confusion_real)
        if features is not None:
            fake_seg_features.append(extract_segmenter_features(features, fake))
            real_seg_features.append(extract_segmenter_features(features, batch["image"]))
        if c2st is not None:
            fake_small.append(prepare_pictures(fake, c2st.max_width))
            real_small.append(prepare_pictures(batch["image"], c2st.max_width))
        if inception is not None:
            fake_features.append(inception((fake + 1) / 2).double().numpy())
            if cached_real is None:
                real_features.append(inception((batch["image"] + 1) / 2).double().numpy())
    result = EvaluationResult(images=count)
    def by_name(iou: list[float]) -> dict[str, float | None]:
        return {name: (None if value != value else value) for name, value in zip(labels.names, iou)}  # NaN -> None

    if confusion is not None:
        scores = confusion.result()
        result.miou, result.accuracy, result.class_iou = scores.miou, scores.accuracy, by_name(scores.per_class_iou)
    if confusion_real is not None:
        scores = confusion_real.result()
        result.miou_real, result.accuracy_real, result.class_iou_real = scores.miou, scores.accuracy, by_name(scores.per_class_iou)
    if features is not None and count >= 2:
        result.fsd = frechet_segmenter_distance(np.concatenate(real_seg_features), np.concatenate(fake_seg_features))
        dims = real_seg_features[0].shape[1]
        result.notes.append(f"FSD from {dims}-d segmenter features over {count} images: compare only runs with the same "
                            "segmenter, image size and image count (like FID, it is biased upwards at small counts)")
    elif fsd and segment is not None and features is None:
        result.notes.append("FSD skipped: it needs a gaugan segmenter directory (TorchScript/ONNX segmenters give logits only)")
    if distances:
        result.seed_diversity, result.diversity_seeds = float(torch.cat(distances).mean()), diversity_seeds
    elif diversity_seeds >= 2 and not uses_z:
        result.notes.append("seed diversity skipped: this model has no style encoder (one picture per layout)")
    if c2st is not None:
        if count >= 4:
            test = classifier_two_sample_test(torch.cat(real_small), torch.cat(fake_small), c2st, progress=progress)
            result.c2st_accuracy, result.c2st_stderr = test.accuracy, test.stderr
            result.c2st_paired_accuracy, result.c2st_pairs = test.paired_accuracy, test.pairs
            result.c2st_log_loss_bits = test.log_loss_bits
            result.c2st_protocol = {k: v for k, v in test.to_dict().items()
                                    if k not in ("accuracy", "stderr", "paired_accuracy", "pairs", "log_loss_bits")}
        else:
            result.notes.append(f"C2ST skipped: it needs at least 4 label maps, got {count}")
    if inception is not None:
        fake_array = np.concatenate(fake_features)
        if cached_real is None:
            real_array = np.concatenate(real_features)
            cached_real = FeatureStatistics.of(real_array)
            if real_stats_path is not None:
                cached_real.save(real_stats_path)
            result.kid, result.kid_std = kernel_inception_distance(fake_array, real_array, subsets=20, subset_size=min(1000, count))
        else:
            result.notes.append(f"real-image statistics from the cache {real_stats_path} (KID needs the features: not computed)")
        result.fid = frechet_distance(FeatureStatistics.of(fake_array), cached_real)
        if count < 2048:
            result.notes.append(f"FID over {count} images is biased upwards; the paper's numbers use the full validation sets")
    return result
