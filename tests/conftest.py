"""Shared fixtures: tiny model configs (ngf 8-16, 32-64 px) so the suite stays fast on 2 CPU cores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from gaugan.labels import LabelSet

torch.set_num_threads(2)


@pytest.fixture
def tiny_labels() -> LabelSet:
    """5 classes + don't-care + instance channel = 7 semantic channels."""
    return LabelSet(
        names=("sky", "sea", "mountain", "grass", "tree"),
        colors=((120, 170, 255), (20, 60, 160), (120, 100, 90), (90, 190, 60), (20, 90, 30)),
        dontcare=True,
        instance=True,
        dataset="tiny",
    )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real sample data beside the repository (<repo>/../shared/data), or $GAUGAN_SHARED_DATA."""
    root = Path(os.environ.get("GAUGAN_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    if not root.is_dir():
        pytest.skip(f"shared sample data not found at {root} (set GAUGAN_SHARED_DATA)")
    return root


@pytest.fixture
def one_thread():
    """Run a test with one torch thread: on tiny tensors a second thread's start-up and barriers
    cost more than it computes, and on a shared 2-core machine they stall (measured: 0.4 s per
    test with 1 thread, 12 s with 2)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
