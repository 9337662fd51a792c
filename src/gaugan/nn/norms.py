"""Normalisation layers: the parameter-free norms SPADE modulates, and a CPU-capable sync BN.

Why a sync BN of our own: `torch.nn.SyncBatchNorm` refuses CPU tensors, but the paper trains with
batch statistics synchronised across all devices, and we want the same maths under the gloo
backend on CPU processes. `SyncBatchNorm2d` all-reduces the per-channel sums with the
differentiable all-reduce of `all_reduce.py`, so gradients flow across processes
exactly as with one process holding the whole batch. Outside a process group it is BatchNorm2d.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn as nn

from gaugan.nn.all_reduce import all_reduce_sum

NORM_TYPES = ("syncbatch", "batch", "instance")


class SyncBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics span every process of the default group.

    Input/output: (N, C, H, W). With no initialised process group (or world size 1) this is
    exactly `nn.BatchNorm2d`. In a group, each process may hold a different N.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        if x.dim() != 4:
            raise ValueError(f"SyncBatchNorm2d expects (N, C, H, W), got {tuple(x.shape)}")
        channels = x.size(1)
        # Two passes (mean, then centred squares) instead of E[x^2] - E[x]^2: the single-pass form
        # loses most float32 digits when |mean| >> std, and equivalence with single-process BN is
        # what users (and our tests) rely on.
        local_count = torch.tensor([x.numel() / channels], dtype=x.dtype, device=x.device)
        sums = all_reduce_sum(torch.cat([x.sum(dim=(0, 2, 3)), local_count]))
        count = sums[channels]
        mean = sums[:channels] / count
        centred = x - mean.view(1, -1, 1, 1)
        var = all_reduce_sum(centred.pow(2).sum(dim=(0, 2, 3))) / count

        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                if self.momentum is None:
                    factor = 1.0 / float(self.num_batches_tracked)
                else:
                    factor = self.momentum
                unbiased = var * (count / (count - 1).clamp(min=1))
                self.running_mean.lerp_(mean.detach().to(self.running_mean.dtype), factor)
                self.running_var.lerp_(unbiased.detach().to(self.running_var.dtype), factor)

        out = centred * torch.rsqrt(var + self.eps).view(1, -1, 1, 1)
        if self.affine:
            out = out * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)
        return out


def param_free_norm(kind: str, channels: int) -> nn.Module:
    """The normalisation SPADE modulates: no learned affine parameters.

    Args:
        kind: "syncbatch" (paper default), "batch" or "instance".
        channels: C of the (N, C, H, W) input.
    """
    if kind == "syncbatch":
        return SyncBatchNorm2d(channels, affine=False)
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=False)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False)
    raise ValueError(f"unknown parameter-free norm {kind!r}; choose one of {', '.join(NORM_TYPES)}")


def convert_to_native_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Swap every `SyncBatchNorm2d` for `torch.nn.SyncBatchNorm` (faster fused kernels on CUDA).

    Weights and running statistics are carried over; returns the (possibly new) module.
    """
    if isinstance(module, SyncBatchNorm2d):
        native = nn.SyncBatchNorm(
            module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats
        )
        native.load_state_dict(module.state_dict())
        return native.to(next(iter(module.buffers()), torch.empty(0)).device)
    for name, child in list(module.named_children()):
        setattr(module, name, convert_to_native_sync_batchnorm(child))
    return module


