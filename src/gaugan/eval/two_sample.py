"""Classifier two-sample test (C2ST, Lopez-Paz & Oquab 2017): can a small CNN tell real pictures
from generated ones for layouts it has never seen?

The N layouts (each with its real picture and the picture generated for it) are split into two
halves with a seeded permutation. A classifier is trained on the first half to say real (1) or
generated (0), then scores the pictures of the held-out half; with ``folds=2`` the halves swap and
every layout is tested exactly once. Splitting *layouts*, not images, keeps the classifier from
recognising a held-out picture by its content (it never saw that layout's real or generated picture).

Held-out accuracy (each picture judged alone, at the median held-out score): 0.5 = indistinguishable,
1.0 = always told apart; the paired accuracy asks instead whether a layout's real picture scores
above its generated one. Unlike a segmenter's mIoU, neither saturates when the layout is right:
they measure realism (texture, blur, colour, artefacts). Both do reach 1.0 once every held-out
picture is told apart, so the held-out cross-entropy is reported too (bits per picture, scores
centred on the same median): 1 bit = chance, and it keeps falling as the two sets grow easier to
tell apart (ln 2 minus it, in nats, estimates a lower bound of their Jensen-Shannon divergence).
The classifier runs on the pictures downsampled to at most ``max_width`` px wide to stay cheap, so
it is blind to differences finer than that resolution.

One split of ~100 layouts is a noisy measurement: on CamVid val the cross-entropy of one model's
pictures moved between 0.07 and 0.27 bits from one seed to the next. With ``repeats`` = R the whole
test runs on R seeded splits (each with its own classifiers) and reports the means, with a standard
error taken across the splits: the noise of the procedure for these pictures (split, initialisation,
batches), which is what separates two models scored on the same layouts with the same seeds (the
splits depend only on the seed and the number of layouts, so both models get the same ones).
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm


@dataclass(frozen=True)
class C2STSettings:
    """The protocol; printed with every score because the accuracy depends on all of it."""

    steps: int = 200
    batch_size: int = 32  # images per step: half real, half generated, for the same layouts
    max_width: int = 128
    width: int = 16  # channels of the first conv (32 measured 3x slower on CamVid, no more sensitive)
    lr: float = 2e-3
    weight_decay: float = 1e-2
    folds: int = 2  # 1: train on one half, test on the other; 2: and the swapped halves
    seed: int = 0
    # Whole tests on this many splits, averaged: repeat r splits with seed + 2r, and its folds'
    # classifiers start from seed + 2r and seed + 2r + 1, so no two classifiers share a seed.
    repeats: int = 1
    # Also rerun the test once per class with that class's pixels taken from the real pictures
    # (eval/c2st_by_class.py): which class gives the generated pictures away.
    by_class: bool = False

    def __post_init__(self) -> None:
        if self.folds not in (1, 2):
            raise ValueError(f"C2ST folds must be 1 or 2 (swapped halves), got {self.folds}")
        if self.steps < 1 or self.batch_size < 2 or self.max_width < 8 or self.repeats < 1:
            raise ValueError(f"C2ST needs steps >= 1, batch_size >= 2, max_width >= 8, repeats >= 1; got {self}")


@dataclass
class C2STResult:
    accuracy: float  # held-out images classified right / held-out images
    # One split: binomial, sqrt(p (1 - p) / tested). Several: the standard error of the splits' accuracies.
    stderr: float
    # Held-out layouts whose real picture scores above its generated one: more sensitive than
    # `accuracy`, since a scene's content moves both its pictures' scores and the pair cancels it.
    paired_accuracy: float
    # Held-out binary cross-entropy in bits per picture (1 = chance, 0 = told apart with certainty):
    # continuous where the accuracies have reached 1.0.
    log_loss_bits: float
    correct: int
    tested: int  # held-out images over all folds and repeats (2 per held-out layout)
    pairs: int  # layouts
    resolution: tuple[int, int]  # (H, W) the classifier saw
    fold_accuracies: list[float] = field(default_factory=list)  # every fold of every repeat, in order
    settings: C2STSettings = field(default_factory=C2STSettings)
    # Per repeat (one entry for a single split); the standard error of `log_loss_bits` across them
    # (None for a single split, which has no such estimate).
    repeat_accuracies: list[float] = field(default_factory=list)
    repeat_log_loss_bits: list[float] = field(default_factory=list)
    log_loss_bits_stderr: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        s = self.settings
        halves = "2 swapped halves (every layout tested once)" if s.folds == 2 else "1 train/test split"
        bits = f"{self.log_loss_bits:.3f}" + (f" +- {self.log_loss_bits_stderr:.3f}" if self.log_loss_bits_stderr is not None else "")
        return (f"C2ST held-out accuracy {self.accuracy:.3f} +- {self.stderr:.3f} ({self.correct}/{self.tested} images; "
                f"paired {self.paired_accuracy:.3f}; 0.5 = indistinguishable; cross-entropy {bits} bits, "
                f"1 = chance) over {self.pairs} layouts, {halves}{splits_phrase(s.repeats)}, "
                f"classifier at {self.resolution[1]}x{self.resolution[0]}, {s.steps} steps x {s.batch_size}, seed {s.seed}")


def splits_phrase(repeats: int) -> str:
    """", mean of 10 splits" where the test was repeated, else ""."""
    return f", mean of {repeats} splits" if repeats > 1 else ""


def standard_error(values: list[float]) -> float:
    """Standard error of the mean of >= 2 values (sample standard deviation / sqrt(n))."""
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1) / len(values))


def classifier_size(height: int, width: int, max_width: int) -> tuple[int, int]:
    """(H, W) the classifier runs at: the aspect ratio kept, at most ``max_width`` wide, never upsampled."""
    if width <= max_width:
        return height, width
    return max(1, round(height * max_width / width)), max_width


def _as_float(pictures: torch.Tensor) -> torch.Tensor:
    return pictures.float() / 127.5 - 1


def prepare_pictures(images: torch.Tensor, max_width: int) -> torch.Tensor:
    """(N, 3, H, W) in [-1, 1] (or uint8 from an earlier call) -> (N, 3, h, w) uint8 at `classifier_size`.

    Downsampled with antialiasing (no aliasing patterns that only one side would show), then
    rounded to 8 bits: real pictures arrive on the 8-bit grid and generated ones do not, and the
    classifier must not win by spotting the grid. uint8 also keeps thousands of pairs in memory.
    """
    size = classifier_size(images.shape[-2], images.shape[-1], max_width)
    if images.dtype == torch.uint8 and size == tuple(images.shape[-2:]):
        return images.cpu()
    if images.dtype == torch.uint8:
        images = _as_float(images.cpu())
    else:
        images = images.detach().cpu().float()
        if images.numel() and images.abs().max() > 1.5:
            raise ValueError("pictures must be floats in [-1, 1] or uint8 from prepare_pictures")
    if size != tuple(images.shape[-2:]):
        images = F.interpolate(images, size=size, mode="bilinear", antialias=True, align_corners=False)
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def split_layouts(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Disjoint (first half, second half) layout indices from a seeded permutation of range(count)."""
    if count < 2:
        raise ValueError(f"a two-sample test needs at least 2 layouts, got {count}")
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    return order[: count // 2], order[count // 2:]


def real_fake_classifier(width: int = 16) -> nn.Sequential:
    """images (N, 3, H, W) -> logits (N,): four stride-2 3x3 convs, global average pooling, linear.

    No normalisation layers: batch statistics would mix the real and generated halves of a batch
    and let the classifier compare pictures instead of judging each one.
    """
    widths = (width, 2 * width, 4 * width, 4 * width)
    layers: list[nn.Module] = []
    fin = 3
    for fout in widths:
        layers += [nn.Conv2d(fin, fout, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
        fin = fout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(fin, 1), nn.Flatten(0))


def _random_flip(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    flip = torch.rand(images.size(0), generator=generator) < 0.5
    return torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)


@torch.enable_grad()  # callers (evaluate) run under no_grad
def _train(real: torch.Tensor, fake: torch.Tensor, settings: C2STSettings, seed: int, bar) -> nn.Module:
    """Train on (n, 3, h, w) real / fake pictures of the same n layouts; balanced, paired batches."""
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's global RNG
        torch.manual_seed(seed)
        model = real_fake_classifier(settings.width)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=settings.lr, total_steps=settings.steps)
    pairs_per_step = max(1, min(settings.batch_size // 2, len(real)))
    # Each batch holds the real AND the generated picture of the same layouts, so content cannot
    # separate the two classes and the gradient points at realism.
    target = torch.cat([torch.ones(pairs_per_step), torch.zeros(pairs_per_step)])
    order, cursor = torch.randperm(len(real), generator=generator), 0
    model.train()
    for _ in range(settings.steps):
        if cursor + pairs_per_step > len(order):
            order, cursor = torch.randperm(len(real), generator=generator), 0
        index = order[cursor: cursor + pairs_per_step]
        cursor += pairs_per_step
        batch = _random_flip(torch.cat([real[index], fake[index]]), generator)
        loss = F.binary_cross_entropy_with_logits(model(batch), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        bar.update(1)
    return model.eval()


@torch.no_grad()
def _logits(model: nn.Module, images: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    return torch.cat([model(images[i: i + batch_size]) for i in range(0, len(images), batch_size)])


def classifier_two_sample_test(
    real: torch.Tensor,
    fake: torch.Tensor,
    settings: C2STSettings = C2STSettings(),
    progress: bool = False,
) -> C2STResult:
    """C2ST between ``real[i]`` and ``fake[i]``, the real and generated pictures of layout i.

    Args:
        real, fake: (N, 3, H, W) in [-1, 1] (or uint8 from `prepare_pictures`), N >= 4, row i of
            both for the same layout; downsampled to `classifier_size` and rounded to 8 bits here.
        settings: the protocol (steps, resolution cap, seed, folds, repeats...).
    Returns:
        A `C2STResult`; with ``folds=2`` ``accuracy`` pools both folds (each layout tested once per
        repeat). For one split ``stderr`` treats the 2N held-out images as independent trials, which
        is approximate (a layout's two pictures share a classifier and a scene); for several it is
        the spread of the splits' accuracies.
    """
    if real.shape != fake.shape or real.dim() != 4:
        raise ValueError(f"real and fake must both be (N, 3, H, W) for the same layouts, got {tuple(real.shape)} and {tuple(fake.shape)}")
    if len(real) < 4:
        raise ValueError(f"the C2ST needs at least 4 layouts (2 per half), got {len(real)}")
    real = _as_float(prepare_pictures(real, settings.max_width))
    fake = _as_float(prepare_pictures(fake, settings.max_width))
    bar = tqdm(total=settings.steps * settings.folds * settings.repeats, desc="c2st", unit="it", disable=not progress,
               file=sys.stderr)
    splits = [_one_split(real, fake, settings, settings.seed + 2 * r, bar) for r in range(settings.repeats)]
    bar.close()
    correct, tested = sum(s.correct for s in splits), sum(s.tested for s in splits)
    accuracy = correct / tested
    repeat_accuracies = [s.correct / s.tested for s in splits]
    repeat_bits = [s.bits / s.tested for s in splits]
    several = len(splits) > 1
    return C2STResult(
        accuracy=accuracy,
        stderr=standard_error(repeat_accuracies) if several else math.sqrt(accuracy * (1 - accuracy) / tested),
        paired_accuracy=sum(s.paired for s in splits) / (tested // 2),
        log_loss_bits=sum(repeat_bits) / len(repeat_bits),
        correct=correct,
        tested=tested,
        pairs=len(real),
        resolution=tuple(real.shape[-2:]),
        fold_accuracies=[a for s in splits for a in s.fold_accuracies],
        settings=settings,
        repeat_accuracies=repeat_accuracies,
        repeat_log_loss_bits=repeat_bits,
        log_loss_bits_stderr=standard_error(repeat_bits) if several else None,
    )


@dataclass
class _SplitCounts:
    correct: int
    tested: int
    paired: int
    bits: float  # summed over the held-out pictures
    fold_accuracies: list[float]


def _one_split(real: torch.Tensor, fake: torch.Tensor, settings: C2STSettings, seed: int, bar) -> _SplitCounts:
    """The test on one seeded split: (N, 3, h, w) float pictures already prepared."""
    first, second = split_layouts(len(real), seed)
    folds = [(first, second), (second, first)][: settings.folds]
    counts = _SplitCounts(0, 0, 0, 0.0, [])
    for fold, (train, test) in enumerate(folds):
        model = _train(real[train], fake[train], settings, seed + fold, bar)
        real_logits, fake_logits = _logits(model, real[test]), _logits(model, fake[test])
        # Threshold at the median held-out score, not at logit 0: the held-out set is half real by
        # construction, and the scores of pictures the classifier never saw drift as a whole away
        # from those it fitted (CamVid real vs blurred, sigma 1: one fold 0.85 at logit 0, 0.94 at
        # the median). The median uses no held-out label, and under the null it still gives 0.5.
        threshold = torch.cat([real_logits, fake_logits]).median()
        right = int((real_logits > threshold).sum()) + int((fake_logits <= threshold).sum())
        counts.fold_accuracies.append(right / (2 * len(test)))
        centred = torch.cat([real_logits, fake_logits]) - threshold
        truth = torch.cat([torch.ones(len(test)), torch.zeros(len(test))])
        counts.bits += float(F.binary_cross_entropy_with_logits(centred, truth, reduction="sum")) / math.log(2)
        counts.correct += right
        counts.tested += 2 * len(test)
        counts.paired += int((real_logits > fake_logits).sum())
    return counts
