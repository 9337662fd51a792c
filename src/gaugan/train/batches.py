"""Deterministic, resumable batching: which samples go into which step, on which process.

Each epoch's order is a permutation seeded by (seed, epoch), split across processes like
DistributedSampler; a resumed run skips the batches already done in its epoch. Augmentation of
sample i in epoch e runs under a seed derived from (seed, e, i) (see `SeededSamples`), so a run
resumed mid-epoch, or loaded by any number of workers, sees exactly the same batches.
"""

from __future__ import annotations

from typing import Any, Iterator

import torch
from torch.utils.data import Dataset

from gaugan.train.rng import isolated_seed


def epoch_batches(num_samples: int, batch_size: int, epoch: int, seed: int, rank: int = 0, world_size: int = 1) -> list[list[int]]:
    """This process's batches for one epoch; incomplete trailing batches are dropped."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(num_samples, generator=g).tolist()
    per_step = batch_size * world_size
    steps = num_samples // per_step
    batches = []
    for step in range(steps):
        chunk = order[step * per_step : (step + 1) * per_step]
        batches.append(chunk[rank * batch_size : (rank + 1) * batch_size])
    return batches


def steps_per_epoch(num_samples: int, batch_size: int, world_size: int = 1) -> int:
    return num_samples // (batch_size * world_size)


class SeededSamples(Dataset):
    """Wraps a dataset so item (epoch, index) is produced under seed f(seed, epoch, index)."""

    def __init__(self, dataset: Dataset, seed: int) -> None:
        self.dataset = dataset
        self.seed = seed

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    def __getitem__(self, key: tuple[int, int]) -> Any:
        epoch, index = key
        with isolated_seed((self.seed * 1_000_003 + epoch) * 10_000_019 + index):
            return self.dataset[index]


class EpochBatchSampler:
    """Batch sampler yielding [(epoch, index), ...] lists, starting at ``start_batch``."""

    def __init__(self, batches: list[list[int]], epoch: int, start_batch: int = 0) -> None:
        self.batches = batches[start_batch:]
        self.epoch = epoch

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for batch in self.batches:
            yield [(self.epoch, i) for i in batch]

    def __len__(self) -> int:
        return len(self.batches)
