"""Safetensors weight files: atomic writes and strict, explained loads. Never a pickle."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch
import torch.nn as nn
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file


class CheckpointError(ValueError):
    """A checkpoint directory or weight file that cannot be used, with the reason and the path."""


def save_weights(
    module: nn.Module, path: str | Path, metadata: dict[str, str] | None = None, dtype: torch.dtype | None = None
) -> Path:
    """Write ``module.state_dict()`` to ``path`` as safetensors, atomically (temp file + rename).

    ``dtype`` (e.g. torch.float16) stores floating-point tensors in that type to halve the file;
    `load_weights` casts them back to the module's own dtype.
    """
    path = Path(path)
    tensors = {name: t.detach().contiguous().cpu() for name, t in module.state_dict().items()}
    if dtype is not None:
        tensors = {name: t.to(dtype) if t.is_floating_point() else t for name, t in tensors.items()}
    return write_safetensors_atomic(tensors, path, metadata)


def write_safetensors_atomic(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str] | None = None) -> Path:
    """Readers see either the old file or the complete new one, never a partial write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        # safetensors refuses tensors that share storage; clone the (rare) aliases.
        seen: set[int] = set()
        owned = {}
        for name, t in tensors.items():
            ptr = t.untyped_storage().data_ptr() if t.numel() else -1
            owned[name] = t.clone() if ptr in seen else t
            seen.add(ptr)
        save_file(owned, tmp, metadata=metadata or {})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_safetensors(path: str | Path) -> dict[str, torch.Tensor]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"weight file not found: {path}")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            return {name: f.get_tensor(name) for name in f.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{path} is not a readable safetensors file: {err}") from None


def load_weights(module: nn.Module, path: str | Path) -> nn.Module:
    """Load a safetensors file into ``module`` strictly (see `load_state_dict_checked`)."""
    path = Path(path)
    return load_state_dict_checked(module, read_safetensors(path), str(path))


def load_state_dict_checked(module: nn.Module, tensors: dict[str, torch.Tensor], source: str) -> nn.Module:
    """Load ``tensors`` into ``module`` only if every name and shape matches.

    Raises CheckpointError naming ``source`` and the first tensors that are missing, unexpected
    or of another shape, which is what weights written for a different config look like. The
    module is left untouched on error.
    """
    expected = module.state_dict()
    problems = []
    for name, tensor in expected.items():
        if name not in tensors:
            problems.append(f"missing tensor {name!r} (expected shape {tuple(tensor.shape)})")
        elif tensors[name].shape != tensor.shape:
            problems.append(
                f"tensor {name!r} has shape {tuple(tensors[name].shape)} in the file but the model "
                f"expects {tuple(tensor.shape)}"
            )
    problems += [f"unexpected tensor {name!r} {tuple(tensors[name].shape)}" for name in tensors if name not in expected]
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise CheckpointError(
            f"{source} does not fit this {type(module).__name__}: {shown}{more}. "
            "Was it saved from a model with another config?"
        )
    module.load_state_dict({name: tensors[name].to(expected[name].dtype) for name in expected}, strict=True)
    return module
