"""The paper's evaluation: generate from held-out label maps, then score semantic fidelity
(mIoU / accuracy of a segmenter on the generated images) and realism (FID, KID vs the real images).

Two realism scores that need no downloaded weights, for when FID cannot run: the classifier
two-sample test (`two_sample`: can a small CNN trained on half the layouts tell the real picture
from the generated one on the other half?) and the Frechet segmenter distance (`segmenter_distance`:
FID's formula on features of gaugan's own segmenter). The segmenter's mIoU saturates once layouts
are followed (generated pictures score like real ones); these two do not.
"""

from __future__ import annotations

import heapq
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from gaugan.data.batching import collate_samples
from gaugan.eval.c2st_by_class import ClassSwaps
from gaugan.eval.diversity import mean_pairwise_distance
from gaugan.eval.fid import FeatureStatistics, frechet_distance, kernel_inception_distance
from gaugan.eval.reference_light import EXPOSURES, ReferenceLight, relit_references
from gaugan.eval.reference_style import ReferenceStyle, other_codes
from gaugan.eval.segmentation_metrics import ConfusionMatrix
from gaugan.eval.segmenter_distance import extract_segmenter_features, frechet_segmenter_distance, segmenter_features
from gaugan.eval.two_sample import C2STSettings, classifier_two_sample_test, prepare_pictures, splits_phrase
from gaugan.labels import LabelSet
from gaugan.losses import kld_loss
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
    c2st_log_loss_bits_stderr: float | None = None  # across the splits, with --c2st-repeats > 1
    c2st_pairs: int | None = None
    c2st_protocol: dict | None = None  # settings, classifier resolution, counts, per-fold accuracies
    # With C2STSettings.by_class: per class, the test with that class's pixels taken from the real
    # pictures (name, class_id, pixel_fraction, accuracy, log_loss_bits), the biggest giveaway first.
    c2st_by_class: list[dict] | None = None
    fsd: float | None = None  # Frechet segmenter distance (lower is better; same segmenter only)
    segmenter: str | None = None  # what gave mIoU, accuracy and FSD (a path or an embedded name)
    seed_diversity: float | None = None  # mean |difference| between seeds' pictures of a layout, 0..255
    diversity_seeds: int | None = None
    # Models that draw a latent: the standard deviation it was drawn at (`GauGAN.truncation`; 1 = the prior).
    truncation: float | None = None
    # Encoder models: mean KL(q(z | real picture) || N(0, I)) in nats per picture, an upper bound on the
    # style information a reference photo can pass to the generator; near 0 the encoder is ignored.
    encoder_kl_nats: float | None = None
    # Encoder models (eval/reference_style.py): mean |picture - real frame| in 0..255 for the layout painted
    # in its own frame's style and in another frame's style; equal when a reference photo sets no style.
    own_style_distance: float | None = None
    other_style_distance: float | None = None
    # Encoder models (eval/reference_light.py): each real frame relit x0.6 / x1 / x1.5 as the reference for its
    # own layout; the slope of picture brightness on reference brightness (1 = the picture takes the
    # reference's light, 0 = it ignores it) and the mean brightness of references and pictures per exposure.
    reference_light_slope: float | None = None
    reference_light_exposures: list[float] | None = None
    reference_light_references: list[float] | None = None
    reference_light_pictures: list[float] | None = None
    protocol: dict | None = None  # how the pictures were obtained, resized and paired (folders)
    per_image: list[dict] | None = None  # name, mIoU, accuracy (, miou_real) per picture
    notes: list[str] = field(default_factory=list)
    # (best, worst) pictures with their label maps, for the HTML report; not part of the JSON.
    examples: tuple[list[dict], list[dict]] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        data = asdict(replace(self, examples=None))
        data.pop("examples")
        return data

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
        if self.c2st_by_class:
            lines.append("C2ST with one class's pixels taken from the real pictures (cross-entropy in bits; the further above "
                         "the plain test's, the more that class gave the pictures away): " + ", ".join(
                             f"{s['name']} {s['log_loss_bits']:.3f} ({100 * s['pixel_fraction']:.1f}% of pixels)" for s in self.c2st_by_class))
        if self.fsd is not None:
            lines.append(f"FSD {self.fsd:.3f} (Frechet segmenter distance, real vs generated; lower is better)")
        if self.encoder_kl_nats is not None:
            lines.append(f"encoder KL {self.encoder_kl_nats:.2f} nats per picture (at most this much style information passes "
                         "from a reference photo; near 0 the encoder is ignored, posterior collapse)")
        if self.own_style_distance is not None:
            closer = 1 - self.own_style_distance / self.other_style_distance if self.other_style_distance else 0.0
            lines.append(f"reference style: |picture - real frame| {self.own_style_distance:.2f} in the frame's own style, "
                         f"{self.other_style_distance:.2f} in another frame's ({100 * closer:.1f}% closer; 0% = a reference "
                         "photo sets no style)")
        if self.reference_light_slope is not None:
            exposures = " / x".join(f"{e:g}" for e in self.reference_light_exposures)
            lines.append(f"reference light: each frame relit x{exposures} (mean brightness "
                         f"{_levels(self.reference_light_references)}) as the reference for its own layout gives "
                         f"pictures at {_levels(self.reference_light_pictures)}: slope {self.reference_light_slope:.2f} "
                         "(1 = the picture takes the reference's light, 0 = it ignores it)")
        if self.seed_diversity is not None:
            lines.append(f"seed diversity {self.seed_diversity:.1f} (mean |difference| of {self.diversity_seeds} seeds' pictures "
                         "of a layout, 0..255)")
        if self.truncation is not None and self.truncation != 1:
            lines.append(f"style codes drawn at truncation {self.truncation:g} (1 = the prior; every score above that paints "
                         "from a seed depends on it)")
        lines.append(f"{self.images} images")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _c2st_line(self) -> str:
        p = self.c2st_protocol or {}
        s, (h, w) = p.get("settings", {}), p.get("resolution", (0, 0))
        halves = "2 swapped halves" if s.get("folds") == 2 else "1 split"
        bits = f"{self.c2st_log_loss_bits:.3f}"
        if self.c2st_log_loss_bits_stderr is not None:
            bits += f" +- {self.c2st_log_loss_bits_stderr:.3f}"
        return (f"C2ST {self.c2st_accuracy:.3f} +- {self.c2st_stderr:.3f} held-out real-vs-generated accuracy "
                f"(0.5 = indistinguishable; paired {self.c2st_paired_accuracy:.3f}; cross-entropy "
                f"{bits} bits, 1 = chance) over {self.c2st_pairs} layouts, "
                f"{halves}{splits_phrase(s.get('repeats', 1))}, classifier at {w}x{h}, "
                f"{s.get('steps')} steps, seed {s.get('seed')}")


class Scorer:
    """Scores (generated, label map[, real]) batches with one protocol, whatever made the pictures.

    `evaluate` feeds it a checkpoint's pictures, `gaugan.eval.folders` pictures read from folders
    (another system's), so both are measured the same way. ``add`` takes pictures in [-1, 1];
    ``result`` computes the scores. With ``keep_examples`` > 0 it keeps small copies of the best
    and worst pictures by per-picture mIoU, for the HTML report.
    """

    def __init__(
        self,
        labels: LabelSet,
        segment=None,
        inception: torch.nn.Module | None = None,
        c2st: C2STSettings | None = None,
        fsd: bool = True,
        score_real: bool = True,
        cached_real: FeatureStatistics | None = None,
        keep_examples: int = 0,
    ) -> None:
        self.labels, self.segment, self.inception, self.c2st_settings = labels, segment, inception, c2st
        self.score_real, self.cached_real = score_real, cached_real
        self.confusion = ConfusionMatrix(labels.num_classes, labels.dontcare_id) if segment is not None else None
        self.confusion_real = ConfusionMatrix(labels.num_classes, labels.dontcare_id) if segment is not None and score_real else None
        self.features = segmenter_features(segment) if fsd and segment is not None else None
        self.fsd_requested = fsd
        self.fake_features: list[np.ndarray] = []
        self.real_features: list[np.ndarray] = []
        self.fake_seg_features: list[np.ndarray] = []
        self.real_seg_features: list[np.ndarray] = []
        # The C2ST needs every pair at once; keep them at the classifier's (small) resolution, in uint8.
        self.fake_small: list[torch.Tensor] = []
        self.real_small: list[torch.Tensor] = []
        self.swaps = ClassSwaps(labels, c2st.max_width) if c2st is not None and c2st.by_class else None
        self.sizes: set[tuple[int, int]] = set()
        self.count = 0
        self.with_real = 0
        self.per_image: list[dict] = []
        self.examples = ExampleKeeper(keep_examples, labels) if keep_examples and segment is not None else None

    @torch.no_grad()
    def add(self, fake: torch.Tensor, ids: torch.Tensor, real: torch.Tensor | None = None, names: list[str] | None = None) -> None:
        """fake (N, 3, H, W) and real (N, 3, H, W) in [-1, 1], ids (N, H, W) model ids; ``names`` per picture."""
        if fake.shape[-2:] != ids.shape[-2:]:
            raise ValueError(f"generated {tuple(fake.shape[-2:])} but labels are {tuple(ids.shape[-2:])}: "
                             "build the dataset at the model's size")
        if real is not None and real.shape != fake.shape:
            raise ValueError(f"real pictures {tuple(real.shape)} and generated {tuple(fake.shape)} differ in shape")
        names = names or [f"#{self.count + i}" for i in range(fake.size(0))]
        self.count += fake.size(0)
        self.sizes.add(tuple(fake.shape[-2:]))
        if real is not None:
            self.with_real += real.size(0)
        if self.confusion is not None:
            predicted = segment_ids(self.segment, fake, ids.shape[-2:])
            self.confusion.update(ids, predicted)
            predicted_real = None
            if real is not None and self.confusion_real is not None:
                predicted_real = segment_ids(self.segment, real, ids.shape[-2:])
                self.confusion_real.update(ids, predicted_real)
            for i, name in enumerate(names):
                one = ConfusionMatrix(self.labels.num_classes, self.labels.dontcare_id)
                one.update(ids[i], predicted[i])
                scores = one.result()
                record = {"name": name, "miou": _finite(scores.miou), "accuracy": _finite(scores.accuracy)}
                if predicted_real is not None:
                    one_real = ConfusionMatrix(self.labels.num_classes, self.labels.dontcare_id)
                    one_real.update(ids[i], predicted_real[i])
                    record["miou_real"] = _finite(one_real.result().miou)
                self.per_image.append(record)
                if self.examples is not None and record["miou"] is not None:
                    self.examples.offer(record, fake[i], ids[i], None if real is None else real[i], predicted[i])
        if real is None:
            return
        if self.features is not None:
            self.fake_seg_features.append(extract_segmenter_features(self.features, fake))
            self.real_seg_features.append(extract_segmenter_features(self.features, real))
        if self.c2st_settings is not None:
            self.fake_small.append(prepare_pictures(fake, self.c2st_settings.max_width))
            self.real_small.append(prepare_pictures(real, self.c2st_settings.max_width))
            if self.swaps is not None:
                self.swaps.add(fake, real, ids)
        if self.inception is not None:
            self.fake_features.append(self.inception((fake + 1) / 2).double().numpy())
            if self.cached_real is None:
                self.real_features.append(self.inception((real + 1) / 2).double().numpy())

    def add_fake_features_only(self, fake: torch.Tensor) -> None:
        """Inception features of generated pictures that have no real counterpart (FID against cached statistics)."""
        if self.inception is not None:
            self.fake_features.append(self.inception((fake + 1) / 2).double().numpy())

    def result(self, real_stats_path: Path | None = None, progress: bool = False) -> EvaluationResult:
        labels, count = self.labels, self.count
        result = EvaluationResult(images=count)

        def by_name(iou: list[float]) -> dict[str, float | None]:
            return {name: (None if value != value else value) for name, value in zip(labels.names, iou)}  # NaN -> None

        if self.confusion is not None:
            scores = self.confusion.result()
            result.miou, result.accuracy, result.class_iou = scores.miou, scores.accuracy, by_name(scores.per_class_iou)
        if self.confusion_real is not None and self.with_real:
            scores = self.confusion_real.result()
            result.miou_real, result.accuracy_real, result.class_iou_real = scores.miou, scores.accuracy, by_name(scores.per_class_iou)
        if self.features is not None and len(self.fake_seg_features) and self.with_real >= 2:
            result.fsd = frechet_segmenter_distance(np.concatenate(self.real_seg_features), np.concatenate(self.fake_seg_features))
            dims = self.real_seg_features[0].shape[1]
            result.notes.append(f"FSD from {dims}-d segmenter features over {self.with_real} images: compare only runs with the "
                                "same segmenter, image size and image count (like FID, it is biased upwards at small counts)")
        elif self.fsd_requested and self.segment is not None and self.features is None:
            result.notes.append("FSD skipped: it needs a gaugan segmenter directory (TorchScript/ONNX segmenters give logits only)")
        if self.c2st_settings is not None:
            if self.with_real >= 4 and len({tuple(t.shape[-2:]) for t in self.fake_small}) == 1:
                test = classifier_two_sample_test(torch.cat(self.real_small), torch.cat(self.fake_small), self.c2st_settings,
                                                  progress=progress)
                result.c2st_accuracy, result.c2st_stderr = test.accuracy, test.stderr
                result.c2st_paired_accuracy, result.c2st_pairs = test.paired_accuracy, test.pairs
                result.c2st_log_loss_bits, result.c2st_log_loss_bits_stderr = test.log_loss_bits, test.log_loss_bits_stderr
                result.c2st_protocol = {k: v for k, v in test.to_dict().items()
                                        if k not in ("accuracy", "stderr", "paired_accuracy", "pairs", "log_loss_bits",
                                                     "log_loss_bits_stderr")}
                if self.swaps is not None:
                    result.c2st_by_class = [score.to_dict() for score in self.swaps.scores(
                        torch.cat(self.real_small), torch.cat(self.fake_small), self.c2st_settings, progress=progress)]
            elif self.with_real >= 4:
                result.notes.append("C2ST skipped: the pictures have different sizes ("
                                    + ", ".join(f"{w}x{h}" for h, w in sorted(self.sizes)) + ")")
            else:
                result.notes.append(f"C2ST skipped: it needs at least 4 (real, generated) pairs, got {self.with_real}")
        if self.inception is not None and self.fake_features:
            fake_array = np.concatenate(self.fake_features)
            cached_real = self.cached_real
            if cached_real is None:
                real_array = np.concatenate(self.real_features)
                cached_real = FeatureStatistics.of(real_array)
                if real_stats_path is not None:
                    cached_real.save(real_stats_path)
                result.kid, result.kid_std = kernel_inception_distance(fake_array, real_array, subsets=20,
                                                                       subset_size=min(1000, len(fake_array), len(real_array)))
            else:
                result.notes.append(f"real-image statistics from the cache {real_stats_path} (KID needs the features: not computed)")
            result.fid = frechet_distance(FeatureStatistics.of(fake_array), cached_real)
            if len(fake_array) < 2048:
                result.notes.append(f"FID over {len(fake_array)} images is biased upwards; the paper's numbers use the full validation sets")
        result.per_image = self.per_image or None
        if self.examples is not None:
            result.examples = self.examples.chosen()
        return result


def _levels(values: list[float]) -> str:
    """Brightness levels in 0..255 as '51 / 84 / 115'."""
    return " / ".join(f"{v:.0f}" for v in values)


def _finite(value: float) -> float | None:
    return None if value != value else value


def segment_ids(segment, images: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N, 3, h, w) pictures -> (N, H, W) predicted class ids at the label size (logits resized bilinearly)."""
    logits = segment(images)
    if logits.shape[-2:] != tuple(size):
        logits = F.interpolate(logits.float(), size=tuple(size), mode="bilinear", align_corners=False)
    return logits.argmax(1)


class ExampleKeeper:
    """The ``k`` best and ``k`` worst pictures by per-picture mIoU, as small uint8 copies (memory O(k))."""

    THUMB_WIDTH = 192

    def __init__(self, k: int, labels: LabelSet) -> None:
        self.k, self.labels = k, labels
        self.best: list[tuple[float, int, dict]] = []  # min-heap of the best
        self.worst: list[tuple[float, int, dict]] = []  # min-heap of -score: the worst
        self.serial = 0

    def offer(self, record: dict, fake: torch.Tensor, ids: torch.Tensor, real: torch.Tensor | None, predicted: torch.Tensor) -> None:
        score = record["miou"]
        self.serial += 1
        entry = None
        for heap, key in ((self.best, score), (self.worst, -score)):
            if len(heap) < self.k or key > heap[0][0]:
                entry = entry or self._pictures(record, fake, ids, real, predicted)
                item = (key, self.serial, entry)
                heapq.heappush(heap, item) if len(heap) < self.k else heapq.heapreplace(heap, item)

    def _pictures(self, record, fake, ids, real, predicted) -> dict:
        colours = torch.tensor(self.labels.colors + ((0, 0, 0),), dtype=torch.uint8)  # don't care: black

        def thumb(rgb: torch.Tensor, nearest: bool) -> np.ndarray:  # (3, H, W) uint8
            h, w = rgb.shape[-2:]
            if w > self.THUMB_WIDTH:
                size = (max(1, round(h * self.THUMB_WIDTH / w)), self.THUMB_WIDTH)
                rgb = F.interpolate(rgb[None].float(), size=size, mode="nearest" if nearest else "area")[0].round().to(torch.uint8)
            return rgb.permute(1, 2, 0).numpy()

        def picture(x: torch.Tensor) -> torch.Tensor:
            return ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)

        def label_colours(map_ids: torch.Tensor) -> torch.Tensor:
            return colours[map_ids.long().clamp(0, len(colours) - 1)].permute(2, 0, 1)

        return {**record, "generated": thumb(picture(fake), False), "label": thumb(label_colours(ids), True),
                "segmented": thumb(label_colours(predicted), True),
                "real": None if real is None else thumb(picture(real), False)}

    def chosen(self) -> tuple[list[dict], list[dict]]:
        """(best first, worst first)."""
        best = [entry for _, _, entry in sorted(self.best, key=lambda item: (-item[0], item[1]))]
        worst = [entry for _, _, entry in sorted(self.worst, key=lambda item: (-item[0], item[1]))]
        return best, worst


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
    keep_examples: int = 0,
) -> EvaluationResult:
    """Generate one image per label map (z drawn from ``seed`` for encoder models) and score them.

    ``c2st``: run the classifier two-sample test with these settings on the (real, generated) pair
    of every label map (None: skip). ``fsd``: the Frechet segmenter distance, when ``segment`` is
    gaugan's own segmenter (it has ``features``). ``diversity_seeds`` >= 2: also paint every label
    map with that many style codes (the scored one and ``diversity_seeds - 1`` more) and report
    their mean pairwise distance (encoder models only). ``keep_examples``: keep that many best and
    worst pictures in ``result.examples`` for the HTML report. Encoder models also get the encoder's
    mean KL to the prior over the real pictures (``encoder_kl_nats``) and how much closer to its real
    picture a layout comes in that picture's own style than in another's (``own_style_distance``,
    ``other_style_distance``: two more generator passes per batch), and whether a relit reference
    relights the picture (``reference_light_slope``: three more encoder and generator passes per batch).
    """
    model = model.eval()
    labels = model.labels
    cached_real = FeatureStatistics.load(real_stats_path) if real_stats_path is not None and real_stats_path.is_file() else None
    scorer = Scorer(labels, segment, inception, c2st, fsd, score_real, cached_real, keep_examples)
    generator = torch.Generator().manual_seed(seed)
    uses_z = model.takes_noise  # a style code, or OASIS' 3D noise
    distances = []
    kl_nats = 0.0
    reference = ReferenceStyle()
    reference_light = ReferenceLight()
    names = _sample_names(dataset)
    loader = DataLoader(dataset, batch_size=batch_size, collate_fn=collate_samples)
    for index, batch in enumerate(tqdm(loader, desc="evaluate", unit="batch", disable=not progress, file=sys.stderr)):
        ids = batch["label"]
        semantics = semantic_input(ids, labels, batch.get("instance") if labels.instance else None)
        if uses_z:
            z = model.prior_codes(ids.size(0), generator)
            fake = model(semantics, z=z)
        else:
            fake = model(semantics)
        if uses_z and diversity_seeds >= 2:
            others = [model(semantics, z=model.prior_codes(ids.size(0), generator)) for _ in range(diversity_seeds - 1)]
            distances.append(mean_pairwise_distance(torch.stack([fake, *others])))
        if model.encoder is not None:
            mu, logvar = model.encoder(batch["image"])
            kl_nats += float(kld_loss(mu.float(), logvar.float()))  # summed over the batch
            own_style = model(semantics, z=mu)
            if ids.size(0) >= 2:
                reference.add(own_style, model(semantics, z=other_codes(mu)), batch["image"])
            # The frames as shot are among the references: their picture is the one just painted.
            references = relit_references(batch["image"])
            reference_light.add(references, [own_style if r is batch["image"] else model(semantics, z=model.encoder(r)[0])
                                             for r in references])
        start = index * batch_size
        scorer.add(fake, ids, batch["image"], names[start: start + ids.size(0)] if names else None)
    result = scorer.result(real_stats_path, progress=progress)
    if model.encoder is not None and scorer.count:
        result.encoder_kl_nats = kl_nats / scorer.count
    style_distances = reference.distances()
    if style_distances is not None:
        result.own_style_distance, result.other_style_distance = style_distances
    light_levels = reference_light.levels()
    if light_levels is not None:
        result.reference_light_slope = reference_light.slope()
        result.reference_light_exposures = list(EXPOSURES)
        result.reference_light_references, result.reference_light_pictures = light_levels
    if uses_z:
        result.truncation = model.truncation
    if distances:
        result.seed_diversity, result.diversity_seeds = float(torch.cat(distances).mean()), diversity_seeds
    elif diversity_seeds >= 2 and not uses_z:
        result.notes.append("seed diversity skipped: this model draws no latent (one picture per layout)")
    return result


def _sample_names(dataset: Dataset) -> list[str] | None:
    """File stems of a dataset's samples, when it records them (gaugan's paired datasets do)."""
    base = getattr(dataset, "dataset", dataset)  # a Subset of the first N samples
    samples = getattr(base, "samples", None)
    if samples is None:
        return None
    indices = getattr(dataset, "indices", range(len(samples)))
    try:
        return [Path(samples[i].label).stem for i in indices]
    except (AttributeError, TypeError):
        return None
