"""Optimisers (TTUR Adam) and the learning-rate schedule: constant, then linear decay to 0."""

from __future__ import annotations

from typing import Iterable

import torch

from gaugan.train.config import TrainConfig


def make_optimizers(
    config: TrainConfig, generator_params: Iterable[torch.nn.Parameter], discriminator_params: Iterable[torch.nn.Parameter]
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam for G (+E) at lr_generator and for D at lr_discriminator, betas (beta1, beta2)."""
    betas = (config.beta1, config.beta2)
    opt_g = torch.optim.Adam(list(generator_params), lr=config.lr_generator, betas=betas)
    opt_d = torch.optim.Adam(list(discriminator_params), lr=config.lr_discriminator, betas=betas)
    return opt_g, opt_d


def lr_factor(step: int, constant_steps: int, decay_steps: int) -> float:
    """1 for the first ``constant_steps``, then linearly down to 0 over ``decay_steps``.

    The paper's code decays once per epoch; we decay per iteration, which follows the same
    line without the staircase.
    """
    if step < constant_steps or decay_steps <= 0:
        return 1.0
    return max(0.0, 1.0 - (step - constant_steps) / decay_steps)


def set_learning_rates(config: TrainConfig, optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer], factor: float) -> None:
    opt_g, opt_d = optimizers
    for group in opt_g.param_groups:
        group["lr"] = config.lr_generator * factor
    for group in opt_d.param_groups:
        group["lr"] = config.lr_discriminator * factor
