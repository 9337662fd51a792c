"""OASIS's losses: the class-balanced (N+1)-class cross-entropy and the LabelMix regulariser.

Schönfeld et al., ICLR 2021, Sec. 3.1 and 3.3; the maths is that of the official
``models/losses.py`` and ``models/models.py``. Logits come from `OASISDiscriminator`:
(N, K + 1, H, W), channel `FAKE_CLASS` (0) = fake, channel 1 + k = class id k.

The N+1 loss, with label ids y (N, H, W) of the label map behind both the real and the fake
images of a batch:

    real images:   mean over all N*H*W pixels of  w(y_p) * CE(logits_p, 1 + y_p)
    fake images:   mean over all pixels of  CE(logits_p, FAKE_CLASS)           (no weights)
    generator:     the real-image loss on the logits of its fakes

    w(c) = N*H*W / (n_present * count(c))

count(c) is class c's pixel count over the whole batch (the official code computes it per
forward, i.e. per device under DataParallel), n_present the number of classes with count > 0.
So the weighted mean is the average over present classes of each class's mean CE: every class
present in the batch counts as much as any other, however few pixels it has. Don't-care pixels
weigh 0 and the don't-care class is not counted in n_present (the official code does so for its
don't-care id 0; here the id is an argument, gaugan's being ``LabelSet.dontcare_id``). They do
count in both N*H*W's (the mean's and the weights'), which cancel: the loss is the average of the
present classes' mean CE however many pixels are don't care. In the fake-image loss they count
like any pixel.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

FAKE_CLASS = 0  # the discriminator's "fake" channel; class id k is channel k + 1

LABELMIX_WEIGHT = 10.0  # official lambda_labelmix for ADE20K and COCO-Stuff (Cityscapes: 5)


def _label_ids(label_ids: torch.Tensor) -> torch.Tensor:
    """(N, H, W) or (N, 1, H, W) integer ids -> (N, H, W) int64."""
    if label_ids.dim() == 4:
        if label_ids.size(1) != 1:
            raise ValueError(f"label ids must be (N, H, W) or (N, 1, H, W), got {tuple(label_ids.shape)}")
        label_ids = label_ids[:, 0]
    if label_ids.dim() != 3 or label_ids.dtype.is_floating_point:
        raise ValueError(f"label ids must be an integer (N, H, W) tensor, got {label_ids.dtype} {tuple(label_ids.shape)}")
    return label_ids.long()


def _check_logits(logits: torch.Tensor, label_ids: torch.Tensor) -> None:
    n, h, w = label_ids.shape
    if logits.dim() != 4 or (logits.size(0), logits.size(2), logits.size(3)) != (n, h, w):
        raise ValueError(f"logits {tuple(logits.shape)} do not match label ids {tuple(label_ids.shape)}")


def class_balancing_weights(label_ids: torch.Tensor, num_classes: int, dontcare_id: int | None = None) -> torch.Tensor:
    """Per-pixel weights N*H*W / (n_present * count(class)) of the batch (module docstring).

    Args:
        label_ids: (N, H, W) or (N, 1, H, W) integer ids in 0..num_classes-1.
        num_classes: K, the number of ids (the discriminator's channels minus one).
        dontcare_id: id whose pixels weigh 0 and which is not counted as a present class.
    Returns:
        (N, H, W) float32 weights; no gradient.
    """
    ids = _label_ids(label_ids)
    counts = torch.bincount(ids.flatten(), minlength=num_classes).float()  # (K,)
    if dontcare_id is not None:
        counts[dontcare_id] = 0
    present = (counts > 0).sum()
    # Absent classes get 1/0 = inf, but no pixel looks them up; the don't-care entry is zeroed.
    coefficients = ids.numel() / (present * counts)
    if dontcare_id is not None:
        coefficients[dontcare_id] = 0
    return coefficients[ids]


def oasis_real_loss(
    logits: torch.Tensor,
    label_ids: torch.Tensor,
    dontcare_id: int | None = None,
    class_balancing: bool = True,
) -> torch.Tensor:
    """Class-balanced CE towards each pixel's class (channel 1 + id): D on reals, and G's loss.

    Args:
        logits: (N, K + 1, H, W) discriminator output.
        label_ids: (N, H, W) or (N, 1, H, W) ids in 0..K-1 of the label map behind the images.
        dontcare_id: id weighted 0 (with class balancing).
        class_balancing: False is the official ``--no_balancing_inloss``: every pixel weighs 1,
            don't-care pixels included (their target is then the don't-care channel).
    Returns:
        scalar.
    """
    ids = _label_ids(label_ids)
    _check_logits(logits, ids)
    ce = F.cross_entropy(logits, ids + 1, reduction="none")  # (N, H, W)
    if not class_balancing:
        return ce.mean()
    weights = class_balancing_weights(ids, logits.size(1) - 1, dontcare_id).to(ce.dtype)
    return (ce * weights).mean()


def oasis_fake_loss(logits: torch.Tensor) -> torch.Tensor:
    """Unweighted CE towards the fake channel at every pixel; logits (N, K + 1, H, W) -> scalar."""
    return -F.log_softmax(logits, dim=1)[:, FAKE_CLASS].mean()


def oasis_d_loss(
    logits_real: torch.Tensor,
    logits_fake: torch.Tensor,
    label_ids: torch.Tensor,
    dontcare_id: int | None = None,
    class_balancing: bool = True,
) -> torch.Tensor:
    """The discriminator's N+1 loss: `oasis_fake_loss` (fakes) + `oasis_real_loss` (reals).

    Args:
        logits_real: (N, K + 1, H, W) D(real images).
        logits_fake: (N, K + 1, H, W) D(fake images generated from the same label maps).
        label_ids: (N, H, W) ids of those label maps (the class weights come from them).
    Returns:
        scalar; the two terms separately are `oasis_fake_loss` and `oasis_real_loss`.
    """
    return oasis_fake_loss(logits_fake) + oasis_real_loss(logits_real, label_ids, dontcare_id, class_balancing)


def oasis_g_loss(
    logits_fake: torch.Tensor,
    label_ids: torch.Tensor,
    dontcare_id: int | None = None,
    class_balancing: bool = True,
) -> torch.Tensor:
    """The generator's adversarial loss: its fakes should be segmented as their label map.

    Exactly `oasis_real_loss` on D(fake): logits_fake (N, K + 1, H, W), label_ids (N, H, W) -> scalar.
    """
    return oasis_real_loss(logits_fake, label_ids, dontcare_id, class_balancing)


def label_mix(
    real: torch.Tensor,
    fake: torch.Tensor,
    label_ids: torch.Tensor,
    generator: torch.Generator | None = None,
    per_image: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """LabelMix: a real/fake mosaic whose pieces are the label map's classes.

    Each class id gets one fair coin: every pixel of that class comes from ``real`` (mask 1) or
    from ``fake`` (mask 0). As in the official code, one coin per class serves the whole batch;
    ``per_image=True`` flips one per class and image instead. (The official loop relabels the
    map in place, so class 1 also takes the pixels of class 0 when class 0 drew "real": classes
    0 and 1 then share a coin. Here every class has its own.)

    Args:
        real, fake: (N, 3, H, W) images (fake as the D step has it: detached).
        label_ids: (N, H, W) or (N, 1, H, W) integer ids.
        generator: RNG for the coins (drawn on its device).
        per_image: a coin per (image, class) instead of per class.
    Returns:
        mixed (N, 3, H, W): exactly real where mask == 1 and fake where mask == 0;
        mask (N, 1, H, W) of 0.0 / 1.0 in real's dtype.
    """
    ids = _label_ids(label_ids)
    if real.shape != fake.shape or real.dim() != 4 or (real.size(0), *real.shape[2:]) != tuple(ids.shape):
        raise ValueError(f"real {tuple(real.shape)}, fake {tuple(fake.shape)} and label ids {tuple(ids.shape)} do not match")
    num_ids = int(ids.max()) + 1
    rows = ids.size(0) if per_image else 1
    draw_device = generator.device if generator is not None else ids.device
    coins = torch.randint(0, 2, (rows, num_ids), generator=generator, device=draw_device).to(ids.device, torch.bool)
    if per_image:
        mask = torch.gather(coins, 1, ids.flatten(1)).view_as(ids)  # mask[n, p] = coins[n, ids[n, p]]
    else:
        mask = coins[0][ids]
    mask = mask.unsqueeze(1)  # (N, 1, H, W)
    return torch.where(mask, real, fake), mask.to(real.dtype)


def label_mix_consistency(
    mask: torch.Tensor,
    logits_mixed: torch.Tensor,
    logits_real: torch.Tensor,
    logits_fake: torch.Tensor,
) -> torch.Tensor:
    """Unweighted LabelMix term: MSE(mask * D(real) + (1 - mask) * D(fake), D(mix)).

    mask (N, 1, H, W) broadcasts over the K + 1 channels of the (N, K + 1, H, W) logits; the
    mean runs over all N * (K + 1) * H * W entries. Nothing is detached, as in the official
    code: the gradient reaches D through all three outputs.
    """
    return F.mse_loss(mask * logits_real + (1 - mask) * logits_fake, logits_mixed)


def label_mix_loss(
    d: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    label_ids: torch.Tensor,
    generator: torch.Generator | None = None,
    *,
    logits_real: torch.Tensor | None = None,
    logits_fake: torch.Tensor | None = None,
    weight: float = LABELMIX_WEIGHT,
    per_image: bool = False,
) -> torch.Tensor:
    """The discriminator's LabelMix regulariser: weight * `label_mix_consistency` on a fresh mix.

    Args:
        d: the discriminator, image (N, 3, H, W) -> logits (N, K + 1, H, W).
        real, fake: (N, 3, H, W); fake detached (the official D step generates it under no_grad).
        label_ids: (N, H, W) ids of the label maps behind both.
        generator: RNG for the mask (`label_mix`).
        logits_real, logits_fake: D(real), D(fake) when the D loss already computed them (the
            official code reuses those, with their graphs); computed here otherwise.
        weight: lambda_labelmix (official 10 for ADE20K and COCO-Stuff, 5 for Cityscapes).
        per_image: see `label_mix`.
    Returns:
        scalar.
    """
    mixed, mask = label_mix(real, fake, label_ids, generator, per_image)
    logits_mixed = d(mixed)
    if logits_real is None:
        logits_real = d(real)
    if logits_fake is None:
        logits_fake = d(fake)
    return weight * label_mix_consistency(mask, logits_mixed, logits_real, logits_fake)
