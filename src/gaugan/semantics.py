"""Build the generator's semantic input: one-hot classes (+ don't-care) (+ instance edges).

This mirrors the paper's code: the label map becomes a one-hot tensor with one channel per class,
an extra channel for "don't care" when the label space has one, and instance maps become a
1-channel boundary map concatenated at the end.
"""

from __future__ import annotations

import torch

from gaugan.labels import LabelSet


def channel_index_sum(channels: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, H, W): the sum over c of c * channels[:, c], in float32 (float64 stays).

    For a one-hot pixel this is its class id, exactly (integer sums below 2**24). Computed as one
    batched GEMV over the (C, H*W) matrix: ~20x faster on CPU than ``argmax(dim=1)``, which walks
    channels H*W apart, and than the same sum as an einsum, which first copies the map to
    channels-last (68 ms against 2.5 ms for 2 x 183 x 256 x 256 on our 2-core CPU).
    """
    if channels.dtype not in (torch.float32, torch.float64):
        channels = channels.float()
    n, c = channels.shape[:2]
    index = torch.arange(c, dtype=channels.dtype, device=channels.device)
    with torch.autocast(channels.device.type, enabled=False):  # bf16 would not hold ids above 256
        return torch.matmul(index, channels.reshape(n, c, -1)).view(n, *channels.shape[2:])


def one_hot_labels(label_ids: torch.Tensor, num_channels: int) -> torch.Tensor:
    """One-hot encode integer label maps.

    Args:
        label_ids: (N, H, W) or (N, 1, H, W) integer ids in 0..num_channels-1.
        num_channels: number of one-hot channels C.
    Returns:
        (N, C, H, W) float32 tensor, exactly one 1.0 per pixel.
    """
    if label_ids.dim() == 4:
        if label_ids.size(1) != 1:
            raise ValueError(f"label ids must be (N, H, W) or (N, 1, H, W), got {tuple(label_ids.shape)}")
        label_ids = label_ids[:, 0]
    if label_ids.dim() != 3:
        raise ValueError(f"label ids must be (N, H, W) or (N, 1, H, W), got {tuple(label_ids.shape)}")
    if label_ids.dtype.is_floating_point:
        raise TypeError(f"label ids must be an integer tensor, got {label_ids.dtype}")
    label_ids = label_ids.long()
    if label_ids.numel():
        low, high = int(label_ids.min()), int(label_ids.max())
        if low < 0 or high >= num_channels:
            bad = low if low < 0 else high
            raise ValueError(f"label id {bad} is outside 0..{num_channels - 1}")
    n, h, w = label_ids.shape
    out = torch.zeros(n, num_channels, h, w, dtype=torch.float32, device=label_ids.device)
    return out.scatter_(1, label_ids.unsqueeze(1), 1.0)


def instance_edges(instance_ids: torch.Tensor) -> torch.Tensor:
    """Boundary map of an instance map: 1 where a pixel differs from a 4-neighbour.

    Both pixels on either side of a boundary are marked, as in the paper's code.

    Args:
        instance_ids: (N, H, W) or (N, 1, H, W) integer (or exactly-integer float) instance ids.
    Returns:
        (N, 1, H, W) float32 tensor of 0/1.
    """
    if instance_ids.dim() == 3:
        instance_ids = instance_ids.unsqueeze(1)
    if instance_ids.dim() != 4 or instance_ids.size(1) != 1:
        raise ValueError(f"instance map must be (N, H, W) or (N, 1, H, W), got {tuple(instance_ids.shape)}")
    t = instance_ids
    edge = torch.zeros(t.shape, dtype=torch.bool, device=t.device)
    horizontal = t[..., :, 1:] != t[..., :, :-1]
    vertical = t[..., 1:, :] != t[..., :-1, :]
    edge[..., :, 1:] |= horizontal
    edge[..., :, :-1] |= horizontal
    edge[..., 1:, :] |= vertical
    edge[..., :-1, :] |= vertical
    return edge.float()


def semantic_input(
    label_ids: torch.Tensor,
    labels: LabelSet,
    instance_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """The tensor a SPADE generator / discriminator is conditioned on.

    Args:
        label_ids: (N, H, W) internal ids: 0..num_classes-1, plus num_classes for don't-care
            when ``labels.dontcare``.
        labels: the label space.
        instance_ids: (N, H, W) instance map; required iff ``labels.instance``.
    Returns:
        (N, labels.semantic_channels, H, W) float32.
    """
    classes = labels.num_classes + int(labels.dontcare)
    try:
        semantics = one_hot_labels(label_ids, classes)
    except ValueError as err:
        hint = "" if labels.dontcare else " (this label set has no don't-care id)"
        raise ValueError(f"{err}{hint}") from None
    if labels.instance:
        if instance_ids is None:
            raise ValueError("this label set uses an instance channel: pass instance_ids (N, H, W)")
        edges = instance_edges(instance_ids.to(label_ids.device))
        if edges.shape[-2:] != semantics.shape[-2:] or edges.size(0) != semantics.size(0):
            raise ValueError(
                f"instance map {tuple(instance_ids.shape)} does not match label map {tuple(label_ids.shape)}"
            )
        semantics = torch.cat([semantics, edges], dim=1)
    elif instance_ids is not None:
        raise ValueError("instance_ids given, but this label set has no instance channel")
    return semantics
