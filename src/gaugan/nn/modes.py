"""Train / eval mode for a stretch of code, restored after (also when the code raises).

Spectral norm runs a power iteration in every train-mode forward (and every train-mode read of
its weight) and batch norm uses batch statistics there, so reads, samples and reference passes
switch a module's mode for a moment and must leave it as they found it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch.nn as nn


@contextlib.contextmanager
def module_mode(module: nn.Module, training: bool) -> Iterator[nn.Module]:
    """Within: ``module`` and its children in train (``training=True``) or eval mode; after: all
    of them back in the mode ``module`` had (``module.train(previous)``, as torch restores it)."""
    previous = module.training
    module.train(training)
    try:
        yield module
    finally:
        module.train(previous)
