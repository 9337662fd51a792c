"""InceptionV3 as used for FID (the TensorFlow 2015-12-05 graph ported to PyTorch by pytorch-fid).

Written here because torchvision cannot be imported beside our CPU torch. The layer names match
the standard weight file ``pt_inception-2015-12-05-6726825d.pth`` so it loads as it is, and the
four places where the FID network differs from torchvision's ImageNet Inception are kept:
average pools that exclude padding in the A, C and first E blocks, and a max pool in the last E
block's pool branch. Input: (N, 3, H, W) RGB in [0, 1], resized to 299x299 (bilinear).
Output: (N, 2048) pool features.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from gaugan.cache import cache_path

INCEPTION_FILE_NAME = "pt_inception-2015-12-05-6726825d.pth"
INCEPTION_ENV_VAR = "GAUGAN_INCEPTION_WEIGHTS"
# Kept for backwards compatibility: the default as it was at import time. The resolver asks
# `gaugan.cache` at call time, so $GAUGAN_CACHE_DIR set later is honoured.
DEFAULT_INCEPTION_PATH = cache_path(INCEPTION_FILE_NAME)
FEATURE_DIM = 2048


class InceptionWeightsMissing(FileNotFoundError):
    """The FID Inception weight file is needed and is not where we looked."""


class BasicConv2d(nn.Module):
    """conv (no bias) -> batch norm (eps 1e-3) -> ReLU."""

    def __init__(self, fin: int, fout: int, **conv_args) -> None:
        super().__init__()
        self.conv = nn.Conv2d(fin, fout, bias=False, **conv_args)
        self.bn = nn.BatchNorm2d(fout, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


def _avg_pool_excluding_padding(x: torch.Tensor) -> torch.Tensor:
    # The TF graph's average pools ignore padded zeros (torchvision's count them).
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    def __init__(self, fin: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(fin, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(fin, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(fin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(fin, pool_features, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        pool = self.branch_pool(_avg_pool_excluding_padding(x))
        return torch.cat([self.branch1x1(x), b5, b3, pool], 1)


class InceptionB(nn.Module):
    def __init__(self, fin: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(fin, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(fin, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), b3dbl, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(nn.Module):
    def __init__(self, fin: int, channels_7x7: int) -> None:
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(fin, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(fin, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(fin, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(fin, 192, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        b7dbl = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            b7dbl = layer(b7dbl)
        pool = self.branch_pool(_avg_pool_excluding_padding(x))
        return torch.cat([self.branch1x1(x), b7, b7dbl, pool], 1)


class InceptionD(nn.Module):
    def __init__(self, fin: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(fin, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(fin, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([b3, b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(nn.Module):
    """The last two blocks; ``max_pool`` selects the variant of the final block (Mixed_7c)."""

    def __init__(self, fin: int, max_pool: bool) -> None:
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = BasicConv2d(fin, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(fin, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(fin, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(fin, 192, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        b3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        b3dbl = torch.cat([self.branch3x3dbl_3a(b3dbl), self.branch3x3dbl_3b(b3dbl)], 1)
        if self.max_pool:
            pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            pooled = _avg_pool_excluding_padding(x)
        return torch.cat([self.branch1x1(x), b3, b3dbl, self.branch_pool(pooled)], 1)


class FIDInceptionV3(nn.Module):
    """(N, 3, H, W) in [0, 1] -> (N, 2048) pool3 features; always in eval mode, frozen."""

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, max_pool=False)
        self.Mixed_7c = InceptionE(2048, max_pool=True)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "FIDInceptionV3":
        return super().train(False)

    @classmethod
    def from_file(cls, path: str | os.PathLike | None = None) -> "FIDInceptionV3":
        """Load pytorch-fid's weight file (read with weights_only=True; the 1008-way fc is ignored)."""
        file = resolve_inception_weights(path)
        try:
            state = torch.load(file, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises several types for corrupt / non-weight files
            raise ValueError(f"{file} is not a loadable Inception state dict: {err}") from None
        if not isinstance(state, dict):
            raise ValueError(f"{file} does not hold a state dict (found {type(state).__name__})")
        model = cls()
        expected = model.state_dict()
        # Older files predate BatchNorm's num_batches_tracked counter; it plays no part in eval.
        missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
        if missing:
            raise ValueError(
                f"{file} is not pytorch-fid's Inception weights: it lacks {', '.join(missing[:4])}"
                + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
            )
        for key in expected:
            if key in state and state[key].shape != expected[key].shape:
                raise ValueError(f"{file}: tensor {key!r} has shape {tuple(state[key].shape)}, expected {tuple(expected[key].shape)}")
        model.load_state_dict({k: state.get(k, expected[k]) for k in expected})
        return model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dim() != 4 or images.size(1) != 3:
            raise ValueError(f"expected RGB images (N, 3, H, W) in [0, 1], got {tuple(images.shape)}")
        x = F.interpolate(images, size=(299, 299), mode="bilinear", align_corners=False)
        x = 2 * x - 1
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        for name in ("5b", "5c", "5d", "6a", "6b", "6c", "6d", "6e", "7a", "7b", "7c"):
            x = getattr(self, f"Mixed_{name}")(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)


def resolve_inception_weights(path: str | os.PathLike | None = None) -> Path:
    """``path``, else $GAUGAN_INCEPTION_WEIGHTS, else <cache dir>/<file>; a clear error if none exists.

    The cache dir is $GAUGAN_CACHE_DIR, else ~/.cache/gaugan (`gaugan.cache`), where
    ``gaugan weights fetch inception`` puts the file.
    """
    candidates = [Path(path)] if path else []
    if not path and os.environ.get(INCEPTION_ENV_VAR):
        candidates.append(Path(os.environ[INCEPTION_ENV_VAR]))
    if not path:
        candidates.append(cache_path(INCEPTION_FILE_NAME))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise InceptionWeightsMissing(
        f"FID/KID need the FID Inception weights {INCEPTION_FILE_NAME!r} (the file pytorch-fid uses; 91 MB). "
        f"Looked in: {looked}. Run `gaugan weights fetch inception` (or `gaugan weights add FILE` for a copy you "
        f"have), copy the file there, or point --inception-weights / ${INCEPTION_ENV_VAR} at it."
    )
