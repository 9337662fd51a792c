"""Synthesizer: a checkpoint directory in, label maps in, pictures out.

    synth = Synthesizer.from_pretrained("runs/coco/final")
    image = synth(label_map, seed=3)                       # PIL.Image
    images = synth([map_a, map_b], seed=[0, 1])           # batched
    image = synth(label_map, style_image=photo)           # style of a reference photo (encoder models)

Label maps may be PIL images (one-channel class ids, or RGB colour-coded in the checkpoint's
palette), numpy arrays / tensors of class ids (H, W). Maps of another size than the model's are
resized with nearest neighbour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from gaugan.data.errors import DatasetError
from gaugan.data.labelsets import ids_from_colors
from gaugan.labels import LabelSet
from gaugan.models import GauGAN
from gaugan.semantics import semantic_input

LabelMapInput = Union[Image.Image, np.ndarray, torch.Tensor]


class LabelMapError(ValueError):
    """A label map that does not fit the checkpoint's label space (names the value or colour)."""


def label_ids_from_image(image: Image.Image, labels: LabelSet, source: str = "label map") -> np.ndarray:
    """(H, W) int64 ids from a class-id image (L, P, I) or a colour-coded RGB(A) image."""
    if image.mode in ("RGB", "RGBA"):
        try:
            return ids_from_colors(np.asarray(image.convert("RGB"), dtype=np.uint8), labels, source)
        except DatasetError as err:
            raise LabelMapError(str(err)) from None
    if image.mode not in ("L", "P", "I", "I;16"):
        raise LabelMapError(f"{source}: unsupported image mode {image.mode!r} for a label map")
    return np.asarray(image, dtype=np.int64)


class Synthesizer:
    """Runs a `GauGAN` on label maps. ``precision``: "fp32" or "bf16" (autocast)."""

    def __init__(self, model: GauGAN, device: str | torch.device = "cpu", precision: str = "fp32") -> None:
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be fp32 or bf16, got {precision!r}")
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.precision = precision
        config = model.generator.config
        self.output_size: tuple[int, int] | None = getattr(config, "output_size", None)

    @classmethod
    def from_pretrained(cls, directory: str | Path, device: str | torch.device = "cpu", precision: str = "fp32") -> "Synthesizer":
        return cls(GauGAN.from_pretrained(directory, device="cpu"), device, precision)

    @property
    def labels(self) -> LabelSet:
        return self.model.labels

    @property
    def has_encoder(self) -> bool:
        return self.model.encoder is not None

    def label_ids(self, label_map: LabelMapInput, source: str = "label map") -> torch.Tensor:
        """(H, W) int64 ids, checked against the label space."""
        if isinstance(label_map, Image.Image):
            ids = torch.from_numpy(label_ids_from_image(label_map, self.labels, source))
        else:
            ids = torch.as_tensor(np.asarray(label_map) if not torch.is_tensor(label_map) else label_map)
            if ids.dtype.is_floating_point or ids.dim() != 2:
                raise LabelMapError(f"{source}: expected (H, W) integer class ids, got {ids.dtype} {tuple(ids.shape)}")
            ids = ids.long()
        limit = self.labels.num_classes + int(self.labels.dontcare)
        if ids.numel() and (ids.min() < 0 or ids.max() >= limit):
            bad = int(ids.max()) if ids.max() >= limit else int(ids.min())
            raise LabelMapError(f"{source}: class id {bad} is outside 0..{limit - 1} ({self.labels.num_classes} classes)")
        return ids

    def _prepare(self, ids: torch.Tensor) -> torch.Tensor:
        if self.output_size is not None and tuple(ids.shape) != tuple(self.output_size):
            ids = F.interpolate(ids[None, None].float(), size=self.output_size, mode="nearest")[0, 0].long()
        return ids

    def style_code(self, style_image: Image.Image | torch.Tensor) -> torch.Tensor:
        """(1, z_dim) code of a reference image (the encoder's mean)."""
        if not self.has_encoder:
            raise ValueError("this model has no style encoder: it was trained without one, so it cannot take a style image")
        if isinstance(style_image, Image.Image):
            array = np.asarray(style_image.convert("RGB"), dtype=np.float32)
            style_image = torch.from_numpy(array).permute(2, 0, 1)[None] / 127.5 - 1
        return self.model.encode_style(style_image.to(self.device))

    @torch.no_grad()
    def __call__(
        self,
        label_maps: LabelMapInput | Sequence[LabelMapInput],
        seed: int | Sequence[int] | None = 0,
        style_image: Image.Image | torch.Tensor | None = None,
    ) -> Image.Image | list[Image.Image]:
        single = not isinstance(label_maps, (list, tuple))
        maps = [label_maps] if single else list(label_maps)
        seeds = [seed] * len(maps) if seed is None or isinstance(seed, int) else list(seed)
        if len(seeds) != len(maps):
            raise ValueError(f"{len(seeds)} seeds for {len(maps)} label maps")
        ids = [self._prepare(self.label_ids(m, f"label map {i}")) for i, m in enumerate(maps)]
        if len({tuple(i.shape) for i in ids}) > 1:
            raise LabelMapError("label maps in one batch must have the same size")
        batch = torch.stack(ids).to(self.device)
        # Without instance maps (painted layouts), class boundaries stand in for instance boundaries.
        semantics = semantic_input(batch, self.labels, batch if self.labels.instance else None)
        z = None
        if style_image is not None:
            z = self.style_code(style_image).expand(len(maps), -1)
        elif getattr(self.model.generator.config, "use_vae", False):
            dim = self.model.generator.config.z_dim
            z = torch.stack([
                torch.randn(dim, generator=torch.Generator().manual_seed(s if s is not None else 0)) for s in seeds
            ]).to(self.device)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            images = self.model(semantics, z=z) if z is not None else self.model(semantics)
        pictures = [to_pil(image) for image in images.float()]
        return pictures[0] if single else pictures


def to_pil(image: torch.Tensor) -> Image.Image:
    """(3, H, W) in [-1, 1] -> RGB PIL image."""
    array = ((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array)
