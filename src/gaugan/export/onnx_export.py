"""Export a `GauGAN` to ONNX, verify it against PyTorch, and write it atomically.

    manifest = export_onnx(model, "runs/coco/final/onnx", checkpoint="runs/coco/final")

Files: ``generator.onnx`` (class ids [+ instance ids] [+ z] -> image, see `gaugan.export.graphs`),
``encoder.onnx`` when the model has a style encoder (image -> mu), ``manifest.json``.

Why the TorchScript-based exporter (``dynamo=False``): torch 2.13's default, torch.export-based
exporter needs the ``onnxscript`` package, which gaugan does not depend on; the graphs here are
plain static-shape networks that tracing captures exactly. Only the batch axis is dynamic (and
the encoder's image height and width): label maps must have the size the model was built for,
which the Synthesizer ensures by resizing.

Nothing half-written is left behind: files go to a temporary sibling directory, are checked with
onnxruntime on random label maps (max |onnx - torch| must be <= ``tolerance``), and only then
replace ``out_dir`` by renames.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from gaugan import __version__
from gaugan.export.graphs import EncoderMean, LookupSPADEGraph, generator_graph
from gaugan.export.manifest import FORMAT_NAME, FORMAT_VERSION, MANIFEST_FILE, ExportError, checkpoint_fingerprint
from gaugan.export.runtime import make_session
from gaugan.models import GauGAN
from gaugan.models.pretrained import write_json_atomic
from gaugan.semantics import semantic_input

OPSET = 17
TOLERANCE = 1e-4
GENERATOR_FILE = "generator.onnx"
ENCODER_FILE = "encoder.onnx"


def export_onnx(
    model: GauGAN,
    out_dir: str | Path,
    checkpoint: str | Path | None = None,
    opset: int = OPSET,
    tolerance: float = TOLERANCE,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Export, verify and write ``model`` into ``out_dir``; returns the manifest.

    Args:
        model: the model (any device; exported from a CPU copy).
        out_dir: the export directory; replaced as a whole if it holds an older export.
        checkpoint: the checkpoint directory ``model`` was loaded from: its files' digests go
            into the manifest so that stale exports can be detected.
        opset: ONNX opset.
        tolerance: largest max |onnx - torch| accepted by the verification.
        log: called with progress lines (e.g. ``print``).
    Raises:
        ExportError: the model cannot be exported, or its export differs from PyTorch.
    """
    log = log or (lambda line: None)
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MANIFEST_FILE).is_file())):
        raise ExportError(f"{out_dir} exists and is not a gaugan ONNX export; choose another output directory")
    if next(model.parameters()).device.type != "cpu":
        model = copy.deepcopy(model).cpu()
    model = model.eval()
    try:
        graph = generator_graph(model.generator, model.labels)
    except ValueError as err:
        raise ExportError(str(err)) from None
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        manifest = _export_into(model, graph, work, opset, tolerance, log)
        manifest["source"] = {"checkpoint": str(checkpoint) if checkpoint else None,
                              "sha256": checkpoint_fingerprint(checkpoint) if checkpoint else None}
        write_json_atomic(work / MANIFEST_FILE, manifest)
        replace_directory(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log(f"wrote {out_dir}")
    return manifest


def _export_into(model: GauGAN, graph: torch.nn.Module, work: Path, opset: int, tolerance: float, log) -> dict[str, Any]:
    labels = model.labels
    h, w = graph.size if isinstance(graph, LookupSPADEGraph) else model.generator.config.output_size
    names = graph.input_names()
    z_dim = model.generator.config.z_dim if "z" in names else None
    # Traced at batch 1, verified at batch 2: the batch axis must really be dynamic.
    _trace(graph, example_inputs(labels, names, (h, w), z_dim, batch=1, seed=0), work / GENERATOR_FILE, names, "image", opset,
           {name: {0: "batch"} for name in names + ["image"]})
    inputs = [{"name": n, "dtype": "float32" if n == "z" else "int64", "shape": ["batch", z_dim] if n == "z" else ["batch", h, w]} for n in names]
    manifest: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "gaugan_version": __version__,
        "torch_version": torch.__version__,
        "opset": opset,
        "labels": labels.to_dict(),
        "generator": {
            "file": GENERATOR_FILE,
            "form": "lookup" if isinstance(graph, LookupSPADEGraph) else "one-hot",
            "size": [h, w],
            "inputs": inputs,
            "outputs": [{"name": "image", "dtype": "float32", "shape": ["batch", 3, h, w], "range": [-1, 1]}],
        },
        "encoder": None,
    }
    if model.encoder is not None:
        size = model.encoder.config.input_size
        image = torch.rand(1, 3, size, size) * 2 - 1
        _trace(EncoderMean(model.encoder), (image,), work / ENCODER_FILE, ["image"], "mu", opset,
               {"image": {0: "batch", 2: "height", 3: "width"}, "mu": {0: "batch"}})
        manifest["encoder"] = {
            "file": ENCODER_FILE,
            "inputs": [{"name": "image", "dtype": "float32", "shape": ["batch", 3, "height", "width"], "range": [-1, 1]}],
            "outputs": [{"name": "mu", "dtype": "float32", "shape": ["batch", z_dim]}],
        }
    manifest["verification"] = verify_export(model, work, manifest, tolerance, log)
    return manifest


def _trace(module: torch.nn.Module, args: tuple, path: Path, input_names: list[str], output_name: str, opset: int, dynamic_axes: dict) -> None:
    with warnings.catch_warnings(), torch.no_grad():
        # The legacy exporter's deprecation notice and tracer notes about constants are expected.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message="Constant folding")
        # Parameter-free instance norm uses the input's statistics in eval mode too: as intended.
        warnings.filterwarnings("ignore", message="ONNX export mode is set to TrainingMode.EVAL")
        try:
            torch.onnx.export(
                module, args, str(path), dynamo=False, input_names=input_names, output_names=[output_name],
                dynamic_axes=dynamic_axes, opset_version=opset, do_constant_folding=True,
            )
        except Exception as err:  # the exporter raises many types; the cause is in the message
            raise ExportError(f"ONNX export of {type(module).__name__} failed: {err}") from err


def example_inputs(labels, names: list[str], size: tuple[int, int], z_dim: int | None, batch: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Random blocky label maps (+ instance maps, + z) of ``size``, in ``names``' order."""
    g = torch.Generator().manual_seed(seed)
    h, w = size
    classes = labels.num_classes + int(labels.dontcare)
    values = {
        "label_ids": blocky(torch.randint(0, classes, (batch, max(h // 4, 1), max(w // 4, 1)), generator=g), size),
        "instance_ids": blocky(torch.randint(0, 4, (batch, max(h // 8, 1), max(w // 8, 1)), generator=g), size),
        "z": torch.randn(batch, z_dim or 1, generator=g),
    }
    return tuple(values[name] for name in names)


def blocky(ids: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(ids[:, None].float(), size=size, mode="nearest")[:, 0].long()


def verify_export(model: GauGAN, directory: Path, manifest: dict[str, Any], tolerance: float, log) -> dict[str, float]:
    """Max |onnxruntime - torch| of the generator (and encoder) on random inputs; raises above ``tolerance``."""
    spec = manifest["generator"]
    names = [item["name"] for item in spec["inputs"]]
    z_dim = model.generator.config.z_dim if "z" in names else None
    inputs = dict(zip(names, example_inputs(model.labels, names, tuple(spec["size"]), z_dim, batch=2, seed=1)))
    session = make_session(directory / spec["file"])
    got = torch.from_numpy(session.run(None, {n: t.numpy() for n, t in inputs.items()})[0])
    with torch.no_grad():
        semantics = semantic_input(inputs["label_ids"], model.labels, inputs.get("instance_ids"))
        expected = model(semantics, z=inputs.get("z"))
    result = {"generator_max_abs_diff": (got - expected).abs().max().item()}
    log(f"generator: max |onnxruntime - torch| = {result['generator_max_abs_diff']:.2e} on {len(expected)} random label maps")
    if manifest.get("encoder"):
        session = make_session(directory / manifest["encoder"]["file"])
        size = model.encoder.config.input_size
        g = torch.Generator().manual_seed(2)
        diffs = []
        # At the encoder's size and at another one (the resize is in the graph).
        for shape in ((2, 3, size, size), (1, 3, size + size // 2, size + 6)):
            image = torch.rand(shape, generator=g) * 2 - 1
            with torch.no_grad():
                mu = model.encoder(image)[0]
            diffs.append((torch.from_numpy(session.run(None, {"image": image.numpy()})[0]) - mu).abs().max().item())
        result["encoder_max_abs_diff"] = max(diffs)
        log(f"encoder: max |onnxruntime - torch| = {result['encoder_max_abs_diff']:.2e}")
    worst = max(result.values())
    if not worst <= tolerance:  # also catches NaN
        raise ExportError(f"the ONNX export differs from PyTorch by {worst:.2e} (> {tolerance:.0e}); nothing was written")
    return result


def replace_directory(new: Path, target: Path) -> None:
    """Put directory ``new`` at ``target`` by renames; an existing ``target`` is removed after."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old / target.name, target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
