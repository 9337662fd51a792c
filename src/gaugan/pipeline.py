"""Synthesizer: a checkpoint directory in, label maps in, pictures out.

    synth = Synthesizer.from_pretrained("runs/coco/final")
    image = synth(label_map, seed=3)                       # PIL.Image
    images = synth([map_a, map_b], seed=[0, 1])           # batched
    image = synth(label_map, style_image=photo)           # style of a reference photo (encoder models)

Label maps may be PIL images (one-channel class ids, or RGB colour-coded in the checkpoint's
palette), numpy arrays / tensors of class ids (H, W). Maps of another size than the model's are
resized with the training loader's nearest rule (`gaugan.data.transforms.resize_ids`).

One-channel images are read in the encoding of the checkpoint's training data by default
(``label_encoding="dataset"``: an ADE20K file's 0 = unlabeled and 1..150 = classes, COCO-Stuff's
255 = unlabeled), exactly as the training loader read them; ``label_encoding="model"`` reads
gaugan's own ids (0..num_classes-1, num_classes = don't care). Checkpoints older than the record
of an encoding read model ids either way. Arrays and tensors are always model ids (what datasets
and the painter hand over).

Backends compute the same function (max |difference| < 1e-4 in fp32, tested):
    "torch"  the reference modules;
    "fast"   `gaugan.fast.FastSPADEGenerator` / `FastCLADEGenerator` (SPADE and CLADE generators):
             ~2x faster on CPU;
    "onnx"   onnxruntime on CHECKPOINT/onnx/ when it is a current export (`gaugan export`),
             else on an export made on the fly into a temporary directory;
    "auto"   (default) fast for SPADE and CLADE generators on the CPU, torch otherwise.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Sequence, Union

import numpy as np
import torch
from PIL import Image

from gaugan.backends import BACKENDS
from gaugan.data.label_maps import LabelMapError, check_id_range, label_ids_from_image
from gaugan.data.transforms import resize_ids
from gaugan.labels import LABEL_ENCODINGS, LabelSet
from gaugan.models import GauGAN
from gaugan.models.registry import fast_class
from gaugan.semantics import instance_edges, semantic_input

LabelMapInput = Union[Image.Image, np.ndarray, torch.Tensor]


class Synthesizer:
    """Runs a `GauGAN` on label maps.

    Args:
        model: the model (moved to ``device``, eval mode).
        device: where to run.
        precision: "fp32" or "bf16" (autocast; torch and fast backends).
        backend: "auto" | "torch" | "fast" | "onnx" (see the module docstring); `backend` holds
            the one chosen.
        checkpoint: the directory ``model`` was loaded from; lets the onnx backend reuse a
            current export in ``checkpoint/onnx``.
        label_encoding: "dataset" (default) or "model": how one-channel label images store ids
            (see the module docstring).
    """

    def __init__(
        self,
        model: GauGAN,
        device: str | torch.device = "cpu",
        precision: str = "fp32",
        backend: str = "auto",
        *,
        checkpoint: str | Path | None = None,
        label_encoding: str = "dataset",
    ) -> None:
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be fp32 or bf16, got {precision!r}")
        if label_encoding not in LABEL_ENCODINGS:
            raise ValueError(f"label_encoding must be one of {', '.join(LABEL_ENCODINGS)}, got {label_encoding!r}")
        self.label_encoding = label_encoding
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.precision = precision
        config = model.generator.config
        self.output_size: tuple[int, int] | None = getattr(config, "output_size", None)
        self.backend = resolve_backend(backend, model.generator, self.device)
        if self.backend == "fast":
            from gaugan.fast.self_check import FastPathMismatch

            try:
                self._runner = FastRunner(self.model, precision)
            except FastPathMismatch as err:
                if backend == "fast":
                    raise
                # "auto" promised the reference's pictures, faster: the reference alone still keeps the promise.
                warnings.warn(f"{err}; using the torch backend", stacklevel=2)
                self.backend = "torch"
        if self.backend == "torch":
            self._runner = TorchRunner(self.model, precision)
        elif self.backend == "onnx":
            if precision != "fp32":
                raise ValueError("the onnx backend runs in fp32 only (precision='fp32')")
            self._runner = OnnxRunner(self.model, self.device, checkpoint)
            self.output_size = self.output_size or self._runner.runtime.size

    @classmethod
    def from_pretrained(
        cls, directory: str | Path, device: str | torch.device = "cpu", precision: str = "fp32", backend: str = "auto",
        label_encoding: str = "dataset",
    ) -> "Synthesizer":
        return cls(GauGAN.from_pretrained(directory, device="cpu"), device, precision, backend, checkpoint=directory,
                   label_encoding=label_encoding)

    @property
    def labels(self) -> LabelSet:
        return self.model.labels

    @property
    def has_encoder(self) -> bool:
        return self.model.encoder is not None

    def label_ids(self, label_map: LabelMapInput, source: str = "label map", label_encoding: str | None = None) -> torch.Tensor:
        """(H, W) int64 model ids, checked against the label space.

        ``label_encoding`` overrides the synthesizer's for one-channel images (arrays and tensors
        are model ids in any case).
        """
        if isinstance(label_map, Image.Image):
            encoding = label_encoding or self.label_encoding
            ids = torch.from_numpy(label_ids_from_image(label_map, self.labels, source, encoding))
        else:
            ids = torch.as_tensor(np.asarray(label_map) if not torch.is_tensor(label_map) else label_map)
            if ids.dtype.is_floating_point or ids.dim() != 2:
                raise LabelMapError(f"{source}: expected (H, W) integer class ids, got {ids.dtype} {tuple(ids.shape)}")
            ids = ids.long()
        check_id_range(ids, self.labels, source)
        return ids

    def _prepare(self, ids: torch.Tensor) -> torch.Tensor:
        if self.output_size is not None and tuple(ids.shape) != tuple(self.output_size):
            ids = torch.from_numpy(resize_ids(ids.cpu().numpy(), tuple(self.output_size)))
        return ids

    def style_code(self, style_image: Image.Image | torch.Tensor) -> torch.Tensor:
        """(1, z_dim) code of a reference image (the encoder's mean)."""
        if not self.has_encoder:
            raise ValueError("this model has no style encoder: it was trained without one, so it cannot take a style image")
        if isinstance(style_image, Image.Image):
            array = np.asarray(style_image.convert("RGB"), dtype=np.float32)
            style_image = torch.from_numpy(array).permute(2, 0, 1)[None] / 127.5 - 1
        return self._runner.encode(style_image.to(self.device)).to(self.device)

    @torch.no_grad()
    def __call__(
        self,
        label_maps: LabelMapInput | Sequence[LabelMapInput],
        seed: int | Sequence[int] | None = 0,
        style_image: Image.Image | torch.Tensor | None = None,
        truncation: float | None = None,
    ) -> Image.Image | list[Image.Image]:
        """One label map -> one PIL image; a list -> a list (one seed each, or one for all)."""
        single = not isinstance(label_maps, (list, tuple))
        images = self.generate([label_maps] if single else list(label_maps), seed, style_image, truncation)
        pictures = [to_pil(image) for image in images]
        return pictures[0] if single else pictures

    @torch.no_grad()
    def generate(
        self,
        label_maps: Sequence[LabelMapInput],
        seed: int | Sequence[int] | None = 0,
        style_image: Image.Image | torch.Tensor | None = None,
        truncation: float | None = None,
    ) -> torch.Tensor:
        """Label maps -> (N, 3, H, W) float32 images in [-1, 1] (what `__call__` turns into pictures).

        ``truncation``: what the seeds' codes are drawn at, for this call (None: the model's)."""
        maps = list(label_maps)
        seeds = [seed] * len(maps) if seed is None or isinstance(seed, int) else list(seed)
        if len(seeds) != len(maps):
            raise ValueError(f"{len(seeds)} seeds for {len(maps)} label maps")
        ids = [self._prepare(self.label_ids(m, f"label map {i}")) for i, m in enumerate(maps)]
        if len({tuple(i.shape) for i in ids}) > 1:
            raise LabelMapError("label maps in one batch must have the same size")
        batch = torch.stack(ids).to(self.device)
        z = None
        if style_image is not None:
            z = self.style_code(style_image).expand(len(maps), -1)
        elif self.model.takes_noise:  # a style code or OASIS' noise vector, one per seed, at the model's truncation
            z = torch.cat([
                self.model.prior_codes(1, torch.Generator().manual_seed(s if s is not None else 0), truncation=truncation)
                for s in seeds
            ]).to(self.device)
        # Without instance maps (painted layouts), class boundaries stand in for instance boundaries.
        return self._runner.generate(batch, batch if self.labels.instance else None, z).float()


def resolve_backend(backend: str, generator: torch.nn.Module, device: torch.device) -> str:
    """The backend that runs: ``backend``, or for "auto" fast for SPADE and CLADE on the CPU, else torch."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    has_fast_path = fast_class(generator) is not None
    if backend == "auto":
        return "fast" if has_fast_path and device.type == "cpu" else "torch"
    if backend == "fast" and not has_fast_path:
        raise ValueError(
            f"backend 'fast' is for SPADE and CLADE generators, and this checkpoint's generator is a {type(generator).__name__}; "
            "use backend='torch' or 'onnx' (or 'auto', which picks torch for it)"
        )
    return backend


class TorchRunner:
    """The reference modules on the semantic input (one-hot + instance edges)."""

    def __init__(self, model: GauGAN, precision: str) -> None:
        self.model = model
        self.bf16 = precision == "bf16"

    def generate(self, ids: torch.Tensor, instance_ids: torch.Tensor | None, z: torch.Tensor | None) -> torch.Tensor:
        """ids (N, H, W) int64 [, instance ids (N, H, W)] [, z (N, z_dim)] -> (N, 3, H, W)."""
        semantics = semantic_input(ids, self.model.labels, instance_ids)
        with torch.autocast(ids.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            images = self.model(semantics, z=z) if z is not None else self.model(semantics)
        return images.float()

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.encode_style(image)


class FastRunner(TorchRunner):
    """`FastSPADEGenerator` or `FastCLADEGenerator` on class ids and edges (no one-hot map is built); torch encoder."""

    def __init__(self, model: GauGAN, precision: str) -> None:
        super().__init__(model, precision)
        labels = model.labels
        self.fast = fast_class(model.generator).from_generator(model.generator, labels.num_classes + int(labels.dontcare), precision=precision)

    def generate(self, ids: torch.Tensor, instance_ids: torch.Tensor | None, z: torch.Tensor | None) -> torch.Tensor:
        edges = instance_edges(instance_ids) if instance_ids is not None else None
        return self.fast((ids, edges), z=z)


class OnnxRunner:
    """onnxruntime on a current export of the checkpoint, or on one made now in a temporary directory."""

    def __init__(self, model: GauGAN, device: torch.device, checkpoint: str | Path | None) -> None:
        from gaugan.export import OnnxGauGAN, export_is_current, export_onnx
        from gaugan.export.manifest import MANIFEST_FILE
        from gaugan.export.runtime import providers_for

        providers = providers_for(device)
        if checkpoint is not None:
            export_dir = Path(checkpoint) / "onnx"
            if export_is_current(export_dir, checkpoint):
                self.runtime = OnnxGauGAN(export_dir, providers=providers)
                return
            if (export_dir / MANIFEST_FILE).exists():
                warnings.warn(
                    f"{export_dir} was made from other weights or another config than {checkpoint}: exporting "
                    f"into a temporary directory instead. Refresh it with: gaugan export {checkpoint} --format onnx",
                    stacklevel=3,
                )
        # The sessions read the files when they are created, so the directory can go right after.
        with tempfile.TemporaryDirectory(prefix="gaugan-onnx-") as tmp:
            export_onnx(model, Path(tmp) / "onnx", checkpoint=checkpoint)
            self.runtime = OnnxGauGAN(Path(tmp) / "onnx", providers=providers)

    def generate(self, ids: torch.Tensor, instance_ids: torch.Tensor | None, z: torch.Tensor | None) -> torch.Tensor:
        return self.runtime.generate(ids, instance_ids, z).to(ids.device)

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        return self.runtime.encode(image)


def to_pil(image: torch.Tensor) -> Image.Image:
    """(3, H, W) in [-1, 1] -> RGB PIL image."""
    array = ((image.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array)
