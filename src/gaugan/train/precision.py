"""Whether reduced precision actually helps on this machine, and what ``precision: auto`` means here."""

from __future__ import annotations

import torch


def bf16_is_native(device: torch.device | str = "cpu") -> bool:
    """True when bf16 convolutions run on native kernels (CUDA with bf16, or a CPU with AVX512-BF16/AMX).

    On AVX2-only CPUs oneDNN has no bf16 convolution kernels and PyTorch falls back to reference
    code: measured here (AMD EPYC, AVX2), a 128-channel 3x3 conv at 64x64 ran 250x slower than fp32
    in NCHW and 6-20x slower in channels_last.
    """
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: torch.device | str = "cpu", discriminator: str = "multiscale") -> str:
    """The precision a run computes in; any value but ``auto`` as given.

    ``auto`` is bf16 for SPADE's recipe (the multi-scale discriminator) on a CPU with native bf16,
    where it was measured to train as well as fp32 (README, "bf16 or fp32") at ~1.5-2x the speed;
    fp32 elsewhere: on CPUs without native bf16 (emulated, many times slower), on CUDA (not
    measured here), and for OASIS's discriminator, whose segmentation learned less in bf16 (the
    30-step LabelMeFacade test, 2 seeds: class accuracy 0.08 -> 0.11 and 0.14 -> 0.11 in bf16,
    0.08 -> 0.19 and 0.14 -> 0.17 in fp32).
    """
    if precision != "auto":
        return precision
    device = torch.device(device)
    native = device.type == "cpu" and discriminator != "oasis" and bf16_is_native(device)
    return "bf16" if native else "fp32"
