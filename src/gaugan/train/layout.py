"""Which memory layout training lays the models out in, and what ``channels_last: null`` (auto) means.

oneDNN's channels-last convolutions are faster than NCHW ones at most of SPADE's shapes on AVX-512 CPUs
(and 3-9x in bf16 on AVX512-BF16 / AMX ones), but slower for the generator's weight-bound head blocks
(`gaugan.models.generator.HEAD_BLOCKS`), which `to_channels_last` keeps NCHW. Measured for the coco-256
training step on a 2-vCPU AMX Xeon (2 threads, one process, interleaved; benchmarks/README.md): fp32
5.80 s NCHW against 5.26 s laid out so, bf16 2.87 against 2.27 s. Not measured on AVX2-only CPUs (where
NCHW and channels-last traded places in the generator's inference) or on CUDA, which keep NCHW.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from gaugan.nn.memory_layout import lay_out_convs, memory_layout


def resolve_channels_last(setting: bool | None, device: torch.device) -> bool:
    """Whether a run lays its models out channels-last: ``setting`` where given, else (auto) on CPUs
    whose kernels torch picks at AVX-512 (`torch.backends.cpu.get_cpu_capability`)."""
    if setting is not None:
        return setting
    return device.type == "cpu" and torch.backends.cpu.get_cpu_capability().startswith("AVX512")


def lay_out(modules: list[nn.Module], channels_last: bool) -> None:
    """Channels-last memory for ``modules`` where ``channels_last`` (in place): a module's own
    ``to_channels_last`` where it has one (the decoder generators keep their head NCHW), else all its
    conv weights (`lay_out_convs`)."""
    if not channels_last:
        return
    for module in modules:
        if hasattr(module, "to_channels_last"):
            module.to_channels_last()
        else:
            lay_out_convs(module, torch.channels_last)


def match_optimizer_state(optimizer: torch.optim.Optimizer) -> None:
    """Lay each per-parameter state tensor (Adam's moments) out like its parameter, in place: a checkpoint
    stores them contiguous, and torch's fused CPU Adam (2.13) silently pairs the wrong elements of a
    channels-last parameter and a contiguous moment (its update was off by up to 0.16 at lr 0.1)."""
    for parameter, state in optimizer.state.items():
        layout = memory_layout(parameter)
        for name, value in state.items():
            if torch.is_tensor(value) and value.shape == parameter.shape:
                state[name] = value.contiguous(memory_format=layout)
