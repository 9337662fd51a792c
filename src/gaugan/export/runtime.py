"""Run an ONNX export with onnxruntime: class ids in, images out (and style images in, codes out).

    model = OnnxGauGAN("runs/coco/final/onnx")
    images = model.generate(label_ids, instance_ids, z)      # (N, 3, H, W) in [-1, 1]
    mu = model.encode(style_images)                            # (N, z_dim), encoder exports only
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from gaugan.export.manifest import ExportError, read_manifest


def make_session(path: str | Path, threads: int | None = None, providers: list[str] | None = None) -> Any:
    """An onnxruntime session on ``path``; ``threads`` intra-op threads (default: torch's count).

    The file is read whole when the session is created, so it may be deleted afterwards.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=providers or ["CPUExecutionProvider"])


def providers_for(device: torch.device) -> list[str]:
    """onnxruntime execution providers for a torch device ("cpu" or "cuda")."""
    import onnxruntime

    if device.type == "cpu":
        return ["CPUExecutionProvider"]
    if device.type == "cuda" and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    raise ValueError(
        f"the onnx backend cannot run on {device}: this onnxruntime offers {onnxruntime.get_available_providers()}"
    )


def _numpy(tensor: torch.Tensor | np.ndarray, dtype: type) -> np.ndarray:
    array = tensor.detach().cpu().numpy() if torch.is_tensor(tensor) else np.asarray(tensor)
    return np.ascontiguousarray(array, dtype=dtype)


class OnnxGauGAN:
    """The generator (+ encoder) of an export directory, run by onnxruntime.

    Args:
        directory: an export directory (``manifest.json`` + ONNX files).
        threads: intra-op threads per session (default: torch's thread count).
        providers: onnxruntime execution providers (default: CPU).
    """

    def __init__(self, directory: str | Path, threads: int | None = None, providers: list[str] | None = None) -> None:
        directory = Path(directory)
        self.manifest = read_manifest(directory)
        spec = self.manifest["generator"]
        self.input_names = [item["name"] for item in spec["inputs"]]
        self.size = tuple(spec["size"])
        self.generator = make_session(directory / spec["file"], threads, providers)
        self.encoder = None
        if self.manifest.get("encoder"):
            self.encoder = make_session(directory / self.manifest["encoder"]["file"], threads, providers)

    def generate(
        self,
        label_ids: torch.Tensor | np.ndarray,
        instance_ids: torch.Tensor | np.ndarray | None = None,
        z: torch.Tensor | np.ndarray | None = None,
    ) -> torch.Tensor:
        """label_ids (N, H, W) int [, instance_ids (N, H, W) int] [, z (N, z_dim)] -> (N, 3, H, W) float32."""
        given = {"label_ids": label_ids, "instance_ids": instance_ids, "z": z}
        feeds = {}
        for name in self.input_names:
            if given[name] is None:
                raise ValueError(f"this ONNX generator needs the input {name!r}")
            feeds[name] = _numpy(given[name], np.float32 if name == "z" else np.int64)
        extra = [name for name, value in given.items() if value is not None and name not in self.input_names]
        if extra:
            raise ValueError(f"this ONNX generator takes no {', '.join(extra)}")
        if tuple(feeds["label_ids"].shape[1:]) != self.size:
            raise ValueError(f"label maps must be {self.size[0]}x{self.size[1]} for this export, got {feeds['label_ids'].shape[1:]}")
        return torch.from_numpy(self.generator.run(None, feeds)[0])

    def encode(self, image: torch.Tensor | np.ndarray) -> torch.Tensor:
        """(N, 3, H, W) images in [-1, 1] -> (N, z_dim) style codes (the encoder's mean)."""
        if self.encoder is None:
            raise ExportError("this ONNX export has no encoder")
        return torch.from_numpy(self.encoder.run(None, {"image": _numpy(image, np.float32)})[0])
