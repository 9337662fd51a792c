"""Exponential moving average of the generator's weights (as in imaginaire and OASIS).

The EMA generator is what gets exported: it gives smoother, usually better images than the raw
weights. A fixed decay of 0.999 from step 0 leaves 0.999^400 = 67% of the *initial* weights in the
average after 400 steps, so an early export is mostly noise; the warm-up (``rampup``, as
stylegan2-ada's ``ema_rampup``) caps the average's half-life at ``rampup * step`` steps, so the
decay grows with the step and reaches ``decay`` after ``ln 0.5 / (rampup ln decay)`` steps
(13,860 for 0.999 and 0.05); later it is the plain fixed-decay EMA. Its batch-norm running statistics are not averaged weights but statistics of the data,
so `recompute_batchnorm_statistics` re-estimates them with the EMA weights before export.
"""

from __future__ import annotations

import copy
import math
from typing import Callable, Iterable

import torch
import torch.nn as nn

from gaugan.nn.modes import module_mode


class EMA:
    """Holds ``shadow``, a frozen copy of a model whose floating tensors track the model's.

    shadow = decay * shadow + (1 - decay) * model, for parameters and floating buffers (BN
    statistics). Spectral-norm power-iteration vectors are not averaged (an average of unit
    vectors is not a singular vector): they are copied, and `refresh_spectral_vectors` re-runs
    power iterations on the shadow's own weights before it is used.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999, start_step: int = 0, rampup: float | None = None) -> None:
        self.decay = decay
        self.start_step = start_step
        self.rampup = rampup
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """The decay used by the update after training step ``step`` (0-based).

        0 (a copy) before ``start_step``; with ``rampup``, min(decay, 0.5 ** (1 / (rampup * t))) for
        the t-th averaged update, i.e. a half-life of at most ``rampup * t`` updates.
        """
        if step < self.start_step:
            return 0.0
        if self.rampup is None:
            return self.decay
        updates = step - self.start_step  # 0 for the first averaged update: a copy
        if updates == 0:
            return 0.0
        return min(self.decay, 0.5 ** (1.0 / (self.rampup * updates)))

    def full_decay_step(self) -> int:
        """The first step at which `decay_at` is the configured decay."""
        if self.rampup is None:
            return self.start_step
        return self.start_step + math.ceil(math.log(0.5) / (self.rampup * math.log(self.decay)))

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        decay = self.decay_at(step)
        model_state = model.state_dict()
        for name, value in self.shadow.state_dict().items():
            source = model_state[name]
            if _is_spectral_vector(name) or not value.dtype.is_floating_point:
                value.copy_(source)
            else:
                value.lerp_(source.to(value.dtype), 1.0 - decay)

    def refresh_spectral_vectors(self, iterations: int = 20) -> None:
        refresh_spectral_vectors(self.shadow, iterations)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.shadow.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.shadow.load_state_dict(state)


def _is_spectral_vector(name: str) -> bool:
    parts = name.split(".")
    return "parametrizations" in parts and parts[-1] in ("_u", "_v")


@torch.no_grad()
def refresh_spectral_vectors(model: nn.Module, iterations: int = 20) -> None:
    """Run power iterations on every spectrally normalised weight of ``model`` with its own weights.

    The parametrisation does one power iteration each time the weight is read in training mode;
    reading it ``iterations`` times converges u, v to the current weight's top singular vectors.
    """
    for module in model.modules():
        parametrizations = getattr(module, "parametrizations", None)
        if parametrizations is None or "weight" not in parametrizations:
            continue
        with module_mode(parametrizations.weight, training=True):
            for _ in range(iterations):
                module.weight


@torch.no_grad()
def recompute_batchnorm_statistics(
    model: nn.Module, batches: Iterable, forward: Callable[[nn.Module, object], object]
) -> int:
    """Re-estimate BN running statistics of ``model`` as a cumulative average over ``batches``.

    ``forward(model, batch)`` runs the model on one batch. Returns the number of batches used;
    with none the statistics are left as they were.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    if not norms:
        return 0
    saved = [(m.momentum, m.running_mean.clone(), m.running_var.clone(), m.num_batches_tracked.clone()) for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average: every batch weighs the same
    count = 0
    with module_mode(model, training=True):
        for batch in batches:
            forward(model, batch)
            count += 1
    for m, (momentum, mean, var, tracked) in zip(norms, saved):
        m.momentum = momentum
        if count == 0:
            m.running_mean.copy_(mean)
            m.running_var.copy_(var)
            m.num_batches_tracked.copy_(tracked)
    return count
