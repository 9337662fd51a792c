"""Frechet segmenter distance (FSD): FID's formula on features of gaugan's own segmenter.

FID needs Inception weights that cannot be downloaded here. The segmenter trained by
`gaugan train-segmenter` on a dataset's real training frames is a network that has learned what
those frames look like; the Frechet distance between Gaussian fits of its pooled features
(`SmallSegmenter.features`) on real and generated pictures is a realism distance in that network's
terms. It is 0 for identical sets; its scale depends on the segmenter, so only numbers from the
same segmenter file, the same image size and the same number of images compare.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from gaugan.eval.fid import FeatureStatistics, frechet_distance

Features = Callable[[torch.Tensor], torch.Tensor]


def segmenter_features(segment) -> Features | None:
    """The ``images (N, 3, H, W) -> (N, C)`` feature method of a loaded segmenter, or None when it has
    none (TorchScript and ONNX segmenters expose logits only)."""
    method = getattr(segment, "features", None)
    return method if callable(method) else None


def frechet_segmenter_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """Frechet distance between Gaussian fits of (n, C) real and (m, C) generated features (float64)."""
    return frechet_distance(FeatureStatistics.of(real), FeatureStatistics.of(fake))


@torch.no_grad()
def extract_segmenter_features(features: Features, images: torch.Tensor, batch_size: int = 16) -> np.ndarray:
    """(N, 3, H, W) in [-1, 1] -> (N, C) float64, in batches."""
    chunks = [features(images[i: i + batch_size]).double().cpu().numpy() for i in range(0, len(images), batch_size)]
    return np.concatenate(chunks)
