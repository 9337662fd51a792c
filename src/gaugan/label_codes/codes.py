"""A label map as one integer code per pixel, resized once per resolution.

A SPADE generator hands its (N, C, H, W) semantic input to every SPADE layer, which resizes it
and convolves all C channels (18 times for the 256x256 COCO-Stuff model). The input is K one-hot
class channels, then E trailing *extra* channels (the instance-edge map), so everything a conv
of it sees at a pixel is one of few values, numbered by the pixel's *code*:

    code = class_id * 2**E + sum_j extra_j * 2**j

where ``class_id`` is the one-hot channel set at that pixel (K when none is: an all-zero pixel)
and ``extra_j`` the extras, when they are all 0/1 (`coded`). There are ``num_codes =
(K + 1) * 2**E`` codes; one more, ``OUTSIDE = num_codes``, stands for "past the image border"
and reads nothing (zero padding). Extras with other values, or more than `MAX_CODED_EXTRAS` of
them, are not coded (their bits are 0 in the code) and stay a float map, which the layers
convolve separately.

Every user of label codes builds on this module: the training lookups with their sparse gradient
(`gaugan.nn.label_lookup`), the fast inference path (`gaugan.fast`) and the ONNX graph
(`gaugan.export.graphs`). Codes are resized by index gathers (`nearest.resize_nearest`),
bit-identical to resizing the one-hot map with ``F.interpolate(mode="nearest")``.
"""

from __future__ import annotations

import torch

from gaugan.label_codes.nearest import resize_nearest
from gaugan.label_codes.windows import Windows
from gaugan.semantics import channel_index_sum

MAX_CODED_EXTRAS = 2


def one_hot_ids(semantics: torch.Tensor, num_classes: int) -> torch.Tensor | None:
    """(N, C, H, W) semantic input -> (N, H, W) int64 ids of its first ``num_classes`` channels,
    ``num_classes`` where they are all zero; None unless those channels are one-hot or zero.

    Three passes over the map (sum, weighted sum, min) instead of per-value 0/1 tests (max and
    argmax over channels are ~10x slower here): non-negative entries that sum to 0 or 1 and hold
    a 1 at the weighted-sum index are one-hot, up to entries too small to change a float sum.
    """
    onehot = semantics[:, :num_classes]
    if onehot.dtype not in (torch.float32, torch.float64):
        onehot = onehot.float()  # the index sum must be exact
    total = onehot.sum(dim=1)
    ids = channel_index_sum(onehot).round().long().clamp_(0, num_classes - 1)
    at_id = onehot.gather(1, ids.unsqueeze(1)).squeeze(1)
    one_hot = (total == 0) | ((total == 1) & (at_id == 1))
    if onehot.numel() and (bool(onehot.amin() < 0) or not bool(one_hot.all())):
        return None
    return torch.where(total == 0, num_classes, ids)


def split_semantics(semantics: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(N, C, H, W) semantic input -> class ids (N, H, W) int64 and extras (N, C - num_classes, H, W) or None.

    Refuses a map whose first ``num_classes`` channels are not one-hot or zero at every pixel: a
    lookup would compute another function than the convolution it replaces.
    """
    if semantics.dim() != 4 or not semantics.is_floating_point():
        raise ValueError(f"semantic input must be a float (N, C, H, W) tensor, got {semantics.dtype} {tuple(semantics.shape)}")
    if not 0 < num_classes <= semantics.size(1):
        raise ValueError(f"num_onehot_channels {num_classes} must be in 1..{semantics.size(1)}")
    ids = one_hot_ids(semantics, num_classes)
    if ids is None:
        raise ValueError(
            f"the first {num_classes} semantic channels are not one-hot (values 0/1, at most one 1 per pixel); "
            "pass (label_ids, extras) instead, or set num_onehot_channels to exclude the non-one-hot channels"
        )
    extras = semantics[:, num_classes:] if semantics.size(1) > num_classes else None
    return ids, extras


def check_label_ids(ids: torch.Tensor, extras: torch.Tensor | None, num_classes: int, num_extras: int) -> None:
    """Validate a (label_ids (N, H, W), extras (N, E, H, W) | None) input."""
    if ids.dim() != 3 or ids.dtype.is_floating_point or ids.dtype == torch.bool:
        raise ValueError(f"label ids must be an integer (N, H, W) tensor, got {ids.dtype} {tuple(ids.shape)}")
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) > num_classes):
        raise ValueError(f"label ids must lie in 0..{num_classes - 1} ({num_classes} = no class)")
    if num_extras == 0:
        if extras is not None:
            raise ValueError("this model has no extra (instance-edge) channel, but extras were given")
        return
    expected = (ids.size(0), num_extras, *ids.shape[1:])
    if extras is None or tuple(extras.shape) != expected:
        got = None if extras is None else tuple(extras.shape)
        raise ValueError(f"extras (instance edges) must have shape {expected}, got {got}")


def codes_of(ids: torch.Tensor, bits: torch.Tensor | None, num_extras: int) -> torch.Tensor:
    """(N, H, W) int ids and (N, E, H, W) 0/1 extras (or None: all 0) -> (N, H, W) int64 codes.

    Plain tensor ops, so the ONNX tracer follows it with a dynamic batch.
    """
    codes = ids.long() * 2**num_extras
    if bits is None:
        return codes
    weights = torch.tensor([2**j for j in range(num_extras)], device=bits.device).view(1, -1, 1, 1)
    return codes + (bits.long() * weights).sum(dim=1)


def code_vectors(num_classes: int, num_extras: int, dtype: torch.dtype = torch.float64, device=None) -> torch.Tensor:
    """(num_codes + 1, K + E): the semantic-input vector each code stands for (its class's one-hot,
    none for class K, then its extra bits); the last row, OUTSIDE, is zero.

    ``code_vectors @ W[:, :, tap].T`` is what a conv of the map adds at that tap for each code,
    which is how every lookup table here is built.
    """
    num_codes = (num_classes + 1) * 2**num_extras
    code = torch.arange(num_codes, device=device)
    ids = code // 2**num_extras
    vectors = torch.zeros(num_codes + 1, num_classes + num_extras, dtype=dtype, device=device)
    is_class = ids < num_classes
    vectors[code[is_class], ids[is_class]] = 1
    for j in range(num_extras):
        vectors[:num_codes, num_classes + j] = ((code >> j) & 1).to(dtype)
    return vectors


class LabelCodes:
    """The codes of one label map, and their levels at every resolution asked for (each once).

    Args:
        ids: (N, H, W) int64 class ids in 0..num_classes (num_classes = no class).
        extras: (N, E, H, W) float trailing channels, or None.
        num_classes: K, the one-hot channels the ids stand for.
    """

    def __init__(self, ids: torch.Tensor, extras: torch.Tensor | None, num_classes: int) -> None:
        self.num_classes = num_classes
        self.num_extras = 0 if extras is None else extras.size(1)
        self.num_codes = (num_classes + 1) * 2**self.num_extras
        self.coded = extras is None or (
            self.num_extras <= MAX_CODED_EXTRAS and bool(((extras == 0) | (extras == 1)).all())
        )
        self._codes = codes_of(ids, extras if self.coded else None, self.num_extras)
        self._extras = None if self.coded else extras
        self._levels: dict[tuple[int, int], CodeLevel] = {}
        # Anything a layer derives from the codes alone (e.g. `code_vectors` in its dtype), once.
        self.derived: dict = {}

    @classmethod
    def from_semantics(cls, semantics: torch.Tensor, num_classes: int | None = None) -> "LabelCodes | None":
        """The codes of an (N, C, H, W) semantic input whose first ``num_classes`` channels are
        one-hot or zero (by default all but the last, which then is the extra: the instance-edge
        map, or the last class's own 0/1 channel); None when they are not."""
        channels = semantics.size(1)
        if num_classes is None:
            num_classes = max(channels - 1, 1)
        ids = one_hot_ids(semantics, num_classes)
        if ids is None:
            return None
        return cls(ids, semantics[:, num_classes:] if channels > num_classes else None, num_classes)

    @property
    def batch_size(self) -> int:
        return self._codes.size(0)

    @property
    def size(self) -> tuple[int, int]:
        """(H, W) of the full-resolution label map."""
        return tuple(self._codes.shape[-2:])

    @property
    def device(self) -> torch.device:
        return self._codes.device

    def at(self, size: tuple[int, int]) -> "CodeLevel":
        """The codes resized (nearest, like the semantic map) to ``size``."""
        size = (int(size[0]), int(size[1]))
        if size not in self._levels:
            extras = None if self._extras is None else resize_nearest(self._extras, size)
            self._levels[size] = CodeLevel(resize_nearest(self._codes, size), extras, self.num_codes)
        return self._levels[size]


class CodeLevel:
    """The codes (N, H, W) at one resolution, plus uncoded extras (N, E, H, W) when there are any."""

    def __init__(self, codes: torch.Tensor, extras: torch.Tensor | None, num_codes: int) -> None:
        self.codes = codes
        self.extras = extras
        self.num_codes = num_codes
        self._windows: dict[tuple[int, int, int], Windows] = {}

    def windows(self, kernel_size: int, stride: int = 1, padding: int | None = None) -> Windows:
        """The conv windows over these codes (zero padding, by default kernel_size // 2), once."""
        key = (kernel_size, stride, kernel_size // 2 if padding is None else padding)
        if key not in self._windows:
            self._windows[key] = Windows(self.codes, self.num_codes, *key, extras=self.extras)
        return self._windows[key]
