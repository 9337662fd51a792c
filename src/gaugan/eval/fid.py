"""FID and KID from Inception pool features, and cached statistics of real image sets.

FID (Heusel et al. 2017): ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2), in float64.
KID (Binkowski et al. 2018): unbiased MMD^2 with the cubic polynomial kernel
k(x, y) = (x.y / d + 1)^3, averaged over random subsets; reported with its standard deviation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import torch


@dataclass(frozen=True)
class FeatureStatistics:
    """Mean (d,) and covariance (d, d) of n feature vectors."""

    mu: np.ndarray
    sigma: np.ndarray
    count: int

    @classmethod
    def of(cls, features: np.ndarray) -> "FeatureStatistics":
        features = np.asarray(features, dtype=np.float64)
        if features.ndim != 2 or features.shape[0] < 2:
            raise ValueError(f"need at least 2 feature vectors (n, d) for statistics, got shape {features.shape}")
        return cls(features.mean(axis=0), np.cov(features, rowvar=False), features.shape[0])

    def save(self, path: Path, meta: dict | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, mu=self.mu, sigma=self.sigma, count=self.count, meta=json.dumps(meta or {}))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "FeatureStatistics":
        with np.load(path, allow_pickle=False) as data:
            return cls(data["mu"], data["sigma"], int(data["count"]))


def frechet_distance(a: FeatureStatistics, b: FeatureStatistics) -> float:
    """FID between two Gaussians.

    Tr((S_a S_b)^1/2) is computed as the sum of square roots of the eigenvalues of
    S_a^1/2 S_b S_a^1/2, a symmetric PSD matrix, which avoids the complex round-off of a general
    matrix square root.
    """
    if a.mu.shape != b.mu.shape:
        raise ValueError(f"feature sizes differ: {a.mu.shape} vs {b.mu.shape}")
    diff = a.mu - b.mu
    eigvals, eigvecs = np.linalg.eigh(a.sigma)
    sqrt_a = (eigvecs * np.sqrt(np.clip(eigvals, 0, None))) @ eigvecs.T
    middle = sqrt_a @ b.sigma @ sqrt_a
    trace_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    return float(diff @ diff + np.trace(a.sigma) + np.trace(b.sigma) - 2 * trace_sqrt)


def kernel_inception_distance(
    a: np.ndarray, b: np.ndarray, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """(mean, std) of the unbiased polynomial-kernel MMD^2 over ``subsets`` random subsets."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    m = min(subset_size, len(a), len(b))
    if m < 2:
        raise ValueError("KID needs at least 2 feature vectors on each side")
    d = a.shape[1]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        k_xx = (x @ x.T / d + 1) ** 3
        k_yy = (y @ y.T / d + 1) ** 3
        k_xy = (x @ y.T / d + 1) ** 3
        mmd = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
        mmd += (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        mmd -= 2 * k_xy.mean()
        values.append(mmd)
    return float(np.mean(values)), float(np.std(values))


@torch.no_grad()
def extract_features(model: torch.nn.Module, batches: Iterable[torch.Tensor], device: str | torch.device = "cpu") -> np.ndarray:
    """Run ``model`` over batches of (N, 3, H, W) images in [0, 1]; returns (total, d) float64."""
    chunks = [model(batch.to(device).float()).double().cpu().numpy() for batch in batches]
    if not chunks:
        raise ValueError("no images to extract features from")
    return np.concatenate(chunks)


def statistics_cache_key(dataset: str, root: str | Path, split: str, size: tuple[int, int], count: int) -> str:
    """A file name for cached real-image statistics: dataset, split, resolution and a hash of the root."""
    digest = hashlib.sha1(str(Path(root).resolve()).encode()).hexdigest()[:10]
    return f"{dataset}-{split}-{size[1]}x{size[0]}-n{count}-{digest}.npz"
