"""Load a segmenter for evaluation: gaugan's own (a directory), TorchScript (.pt) or ONNX (.onnx).

Every loaded segmenter is wrapped as ``images (N, 3, H, W) in [-1, 1] -> logits (N, C, h, w)``
(gaugan's own also has ``features(images) -> (N, D)``, see `segmenter_distance`);
``input_range`` says what the user's network expects ("minus1_1", "zero_one" or "imagenet"
for ImageNet mean/std normalisation).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from gaugan.eval.segmenter import SegmenterConfig, SmallSegmenter
from gaugan.models.weights import CheckpointError, load_weights, save_weights

SEGMENTER_CONFIG = "segmenter.json"
SEGMENTER_WEIGHTS = "segmenter.safetensors"
_IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
_IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

Segmenter = Callable[[torch.Tensor], torch.Tensor]


def save_segmenter(model: SmallSegmenter, directory: Path, meta: dict, dtype: torch.dtype | None = None) -> Path:
    """Write ``directory``/segmenter.json + segmenter.safetensors (floats as ``dtype``, default their own)."""
    directory.mkdir(parents=True, exist_ok=True)
    save_weights(model, directory / SEGMENTER_WEIGHTS, dtype=dtype)
    (directory / SEGMENTER_CONFIG).write_text(json.dumps({**model.config.to_dict(), "meta": meta}, indent=2) + "\n")
    return directory


def _convert_input(images: torch.Tensor, input_range: str) -> torch.Tensor:
    if input_range == "minus1_1":
        return images
    if input_range == "zero_one":
        return (images + 1) / 2
    if input_range == "imagenet":
        return ((images + 1) / 2 - _IMAGENET_MEAN.to(images.device)) / _IMAGENET_STD.to(images.device)
    raise ValueError(f"input_range must be minus1_1, zero_one or imagenet, got {input_range!r}")


def load_segmenter(path: str | Path, input_range: str = "minus1_1", device: str = "cpu") -> tuple[Segmenter, int | None]:
    """(segmenter, number of classes if known) from a gaugan segmenter directory, .pt or .onnx file,
    or an embedded segmenter's name (`gaugan.eval.embedded_segmenters`, e.g. "camvid")."""
    from gaugan.eval.embedded_segmenters import resolve

    path = resolve(path)
    if path.is_dir():
        config_path = path / SEGMENTER_CONFIG
        if not config_path.is_file():
            raise CheckpointError(f"{path} is not a gaugan segmenter directory (no {SEGMENTER_CONFIG})")
        data = json.loads(config_path.read_text())
        data.pop("type", None)
        data.pop("meta", None)
        model = SmallSegmenter(SegmenterConfig(**data))
        load_weights(model, path / SEGMENTER_WEIGHTS)
        model.to(device).eval()
        # The module itself: callable like the others, and its `features` serve the Frechet segmenter distance.
        return model, model.config.num_classes
    if not path.is_file():
        raise FileNotFoundError(f"segmenter not found: {path}")
    if path.suffix == ".onnx":
        try:
            import onnxruntime
        except ImportError:
            raise RuntimeError("an ONNX segmenter needs onnxruntime: pip install onnxruntime") from None
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name

        def run_onnx(images: torch.Tensor) -> torch.Tensor:
            array = _convert_input(images, input_range).detach().cpu().numpy().astype(np.float32)
            return torch.from_numpy(session.run(None, {name: array})[0])

        return run_onnx, None
    # TorchScript archives hold TorchScript code and tensors, not arbitrary pickled Python objects.
    module = torch.jit.load(str(path), map_location=device).eval()
    return (lambda images: module(_convert_input(images, input_range))), None
