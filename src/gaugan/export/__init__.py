"""Deployment exports: ONNX graphs that take class-id maps (see `gaugan export --help`).

    from gaugan.export import export_onnx, OnnxGauGAN
    export_onnx(GauGAN.from_pretrained(ckpt), ckpt / "onnx", checkpoint=ckpt)
    images = OnnxGauGAN(ckpt / "onnx").generate(label_ids, instance_ids)
"""

from gaugan.export.manifest import ExportError, export_is_current, read_manifest
from gaugan.export.onnx_export import export_onnx
from gaugan.export.runtime import OnnxGauGAN

__all__ = ["ExportError", "OnnxGauGAN", "export_is_current", "export_onnx", "read_manifest"]
