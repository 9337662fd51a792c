"""A semantic input as per-pixel integer codes, resized once per resolution.

The reference generator hands the whole (N, C, H, W) one-hot map to every SPADE layer, which
resizes it (18 times for the 256x256 COCO-Stuff model) and convolves all C channels. Here the map
becomes one integer *code* per pixel:

    code = class_id * 2**E + sum_j extra_j * 2**j

where ``class_id`` is the one-hot channel set at that pixel (``num_classes`` when none is: an
all-zero pixel) and ``extra_j`` are the E trailing non-one-hot channels (the instance-edge map)
when they are all 0/1. Everything a SPADE layer's first conv sees at a pixel is then one of
``num_codes = (num_classes + 1) * 2**E`` values, so that conv becomes a table lookup. Extra
channels with other values (or more than `MAX_CODED_EXTRAS` of them) are not coded: they stay a
float map and go through a small conv instead (`LabelLevel.extras`).

Codes are resized with nearest-neighbour index gathers (`gaugan.fast.nearest`), which equal
resizing the one-hot map with ``F.interpolate(mode="nearest")`` exactly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gaugan.fast.nearest import resize_nearest
from gaugan.semantics import channel_index_sum

MAX_CODED_EXTRAS = 2


def split_semantics(semantics: torch.Tensor, num_classes: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(N, C, H, W) semantic input -> class ids (N, H, W) int64 and extras (N, C - num_classes, H, W) or None.

    The first ``num_classes`` channels must be one-hot or all zero at every pixel (an all-zero
    pixel gets id ``num_classes``); anything else is refused, since the lookup would then compute
    a different function than the convolution it replaces.
    """
    if semantics.dim() != 4 or not semantics.is_floating_point():
        raise ValueError(f"semantic input must be a float (N, C, H, W) tensor, got {semantics.dtype} {tuple(semantics.shape)}")
    if not 0 < num_classes <= semantics.size(1):
        raise ValueError(f"num_onehot_channels {num_classes} must be in 1..{semantics.size(1)}")
    onehot = semantics[:, :num_classes]
    if onehot.dtype not in (torch.float32, torch.float64):
        onehot = onehot.float()  # the index sum below must be exact
    # max/argmax over the channel dim are ~10x slower than these (GEMV-like) reductions here.
    total = onehot.sum(dim=1)
    ids = channel_index_sum(onehot).round().long().clamp_(0, num_classes - 1)
    at_id = onehot.gather(1, ids.unsqueeze(1)).squeeze(1)
    # Non-negative entries summing to 1 with a 1 at `ids`: one-hot, up to entries too small to
    # change a float sum (and to change the output).
    one_hot = (total == 0) | ((total == 1) & (at_id == 1))
    if onehot.numel() and (onehot.amin() < 0 or not bool(one_hot.all())):
        raise ValueError(
            f"the first {num_classes} semantic channels are not one-hot (values 0/1, at most one 1 per pixel); "
            "pass (label_ids, extras) instead, or set num_onehot_channels to exclude the non-one-hot channels"
        )
    ids = torch.where(total == 0, num_classes, ids)
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


class LabelPyramid:
    """Codes of one label map at every resolution a generator asks for (each computed once).

    Args:
        ids: (N, H, W) int64 class ids in 0..num_classes (num_classes = no class).
        extras: (N, E, H, W) float trailing channels, or None.
        num_classes: one-hot channels K of the semantic input.
        num_extras: E, the model's count of trailing channels (0 when ``extras`` is None).
    """

    def __init__(self, ids: torch.Tensor, extras: torch.Tensor | None, num_classes: int, num_extras: int) -> None:
        self.num_codes = (num_classes + 1) * 2**num_extras
        self._levels: dict[tuple[int, int], LabelLevel] = {}
        codes = ids.long() * 2**num_extras
        coded = extras is None or (num_extras <= MAX_CODED_EXTRAS and bool(((extras == 0) | (extras == 1)).all()))
        if extras is not None and coded:
            bits = torch.tensor([2**j for j in range(num_extras)], device=extras.device).view(1, -1, 1, 1)
            codes = codes + (extras.long() * bits).sum(dim=1)
        self._codes = codes
        self._extras = None if coded else extras

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

    def at(self, size: tuple[int, int]) -> "LabelLevel":
        size = (int(size[0]), int(size[1]))
        if size not in self._levels:
            extras = None if self._extras is None else resize_nearest(self._extras, size)
            self._levels[size] = LabelLevel(resize_nearest(self._codes, size), extras, self.num_codes)
        return self._levels[size]


class LabelLevel:
    """The codes (N, H, W) at one resolution, plus uncoded extras (N, E, H, W) when there are any."""

    def __init__(self, codes: torch.Tensor, extras: torch.Tensor | None, num_codes: int) -> None:
        self.codes = codes
        self.extras = extras
        self.num_codes = num_codes
        self._windows: dict[int, Windows] = {}

    def windows(self, kernel_size: int) -> "Windows":
        if kernel_size not in self._windows:
            self._windows[kernel_size] = Windows(self, kernel_size)
        return self._windows[kernel_size]


class Windows:
    """The k x k windows of a `LabelLevel` under zero padding k // 2, as flat gather indices.

    Pixels are flat indices into (N, H, W). Positions are flat indices into the padded grid
    (N, H + 2p, W + 2p), whose border holds the code ``OUTSIDE = num_codes``.
    """

    def __init__(self, level: LabelLevel, kernel_size: int) -> None:
        self.level = level
        self.kernel_size = kernel_size
        self.pad = p = kernel_size // 2
        n, h, w = level.codes.shape
        self.shape = (n, h, w)
        self.padded_shape = (n, h + 2 * p, w + 2 * p)
        self.outside = level.num_codes
        self.padded_codes = F.pad(level.codes, (p, p, p, p), value=self.outside).reshape(-1)
        taps = torch.arange(kernel_size, device=level.codes.device)
        self.offsets = (taps.view(-1, 1) * (w + 2 * p) + taps.view(1, -1)).reshape(-1)
        self._irregular: dict[int, torch.Tensor] = {}

    @property
    def num_pixels(self) -> int:
        n, h, w = self.shape
        return n * h * w

    def window_positions(self, pixels: torch.Tensor) -> torch.Tensor:
        """(P,) pixels -> (P, k*k) padded positions of their windows, taps in row-major order."""
        n, h, w = self.shape
        _, hp, wp = self.padded_shape
        image, rest = pixels.div(h * w, rounding_mode="floor"), pixels.remainder(h * w)
        top_left = image * (hp * wp) + rest.div(w, rounding_mode="floor") * wp + rest.remainder(w)
        return top_left.unsqueeze(1) + self.offsets

    def centre_positions(self, pixels: torch.Tensor) -> torch.Tensor:
        """(P,) pixels -> (P,) their own positions in the padded grid."""
        return self.window_positions(pixels)[:, self.kernel_size * self.kernel_size // 2]

    def irregular(self, radius: int) -> torch.Tensor:
        """Pixels whose (2r+1)^2 neighbourhood holds more than one code or reaches past the image.

        Every other pixel is inside a uniform region, where anything computed from that
        neighbourhood alone is a function of the pixel's own code. With uncoded extras nothing
        is known to be uniform and every pixel is returned.
        """
        if radius not in self._irregular:
            self._irregular[radius] = self._find_irregular(radius)
        return self._irregular[radius]

    def _find_irregular(self, radius: int) -> torch.Tensor:
        codes = self.level.codes
        everything = torch.arange(self.num_pixels, device=codes.device)
        if self.level.extras is not None:
            return everything
        if radius == 0:
            return everything[:0]
        # Codes are < 2**24, so float32 holds them exactly for the pooling.
        c = codes.unsqueeze(1).to(torch.float32)
        size = 2 * radius + 1
        uniform = (F.max_pool2d(c, size, 1, radius) == c) & (-F.max_pool2d(-c, size, 1, radius) == c)
        uniform[..., :radius, :] = False
        uniform[..., -radius:, :] = False
        uniform[..., :, :radius] = False
        uniform[..., :, -radius:] = False
        return uniform.reshape(-1).logical_not().nonzero().squeeze(1)
