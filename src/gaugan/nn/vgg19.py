"""VGG19 feature extractor for the perceptual loss, loading torchvision-format weights from disk.

We cannot depend on torchvision here, and nothing may be downloaded at run time, so the network
is written out and its ImageNet weights come from a local file: the state dict torchvision ships
as ``vgg19-dcbb9e9d.pth`` (keys ``features.N.weight``/``bias``; the classifier is ignored), or
the same tensors as ``.safetensors``. Layer indices match torchvision's ``vgg19().features``.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn

from gaugan.cache import cache_path

VGG19_FILE_NAME = "vgg19-dcbb9e9d.pth"
VGG19_ENV_VAR = "GAUGAN_VGG19_WEIGHTS"
# Kept for backwards compatibility: the default as it was at import time. The resolver asks
# `gaugan.cache` at call time, so $GAUGAN_CACHE_DIR set later is honoured.
DEFAULT_VGG19_PATH = cache_path(VGG19_FILE_NAME)

# torchvision's configuration "E": channel counts, "M" = 2x2 max pool.
_CFG_E = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M")
# Features after relu1_1, relu2_1, relu3_1, relu4_1, relu5_1: end indices of the slices (exclusive).
SLICE_ENDS = (2, 7, 12, 21, 30)


class VGG19WeightsMissing(FileNotFoundError):
    """The VGG19 weight file is needed and is not where we looked."""


def _vgg19_features(depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    channels = 3
    for item in _CFG_E:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, item, kernel_size=3, padding=1), nn.ReLU(inplace=False)]
            channels = item
    return nn.Sequential(*layers[:depth])


def resolve_vgg19_weights(path: str | os.PathLike | None = None) -> Path:
    """The weight file to use: ``path``, else $GAUGAN_VGG19_WEIGHTS, else <cache dir>/<file>.

    The cache dir is $GAUGAN_CACHE_DIR, else ~/.cache/gaugan (`gaugan.cache`), where
    ``gaugan weights fetch vgg19`` puts the file.
    """
    candidates = [Path(path)] if path else []
    if not path and os.environ.get(VGG19_ENV_VAR):
        candidates.append(Path(os.environ[VGG19_ENV_VAR]))
    if not path:
        candidates.append(cache_path(VGG19_FILE_NAME))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise VGG19WeightsMissing(
        "The VGG19 perceptual loss needs the ImageNet VGG19 weights in torchvision's format, the file "
        f"{VGG19_FILE_NAME!r} (what torchvision.models.vgg19(weights='IMAGENET1K_V1') downloads; 548 MB). "
        f"Looked in: {looked}. Run `gaugan weights fetch vgg19` (or `gaugan weights add FILE` for a copy you have), "
        f"copy the file there, point ${VGG19_ENV_VAR} or --vgg-weights at it, or train without the VGG loss."
    )


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    try:
        # weights_only: a foreign .pth is never unpickled beyond plain tensors and containers.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for corrupt / non-weight files
        raise ValueError(f"{path} is not a loadable VGG19 state dict: {err}") from None
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict (found {type(state).__name__})")
    return state


class VGG19Features(nn.Module):
    """Frozen VGG19: (N, 3, H, W) -> [relu1_1, relu2_1, relu3_1, relu4_1, relu5_1] activations.

    Input is used as given (see `gaugan.losses.perceptual` for the range conventions).
    """

    def __init__(self) -> None:
        super().__init__()
        self.features = _vgg19_features(SLICE_ENDS[-1])
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_file(cls, path: str | os.PathLike | None = None) -> "VGG19Features":
        file = resolve_vgg19_weights(path)
        state = _read_state_dict(file)
        model = cls()
        expected = model.state_dict()
        missing = [k for k in expected if k not in state]
        if missing:
            raise ValueError(
                f"{file} is not a torchvision VGG19 state dict: it lacks {', '.join(missing[:4])}"
                + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
            )
        for key, tensor in expected.items():
            if state[key].shape != tensor.shape:
                raise ValueError(
                    f"{file}: tensor {key!r} has shape {tuple(state[key].shape)}, VGG19 needs {tuple(tensor.shape)}"
                )
        model.load_state_dict({k: state[k].float() for k in expected})
        return model

    def train(self, mode: bool = True) -> "VGG19Features":
        # Always frozen and in eval mode, whatever the surrounding model does.
        return super().train(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        start = 0
        for end in SLICE_ENDS:
            for index in range(start, end):
                x = self.features[index](x)
            outputs.append(x)
            start = end
        return outputs
