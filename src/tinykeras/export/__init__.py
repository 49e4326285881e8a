"""Export for inference without Python: ``to_onnx(model, "m.onnx")`` (the ``onnx`` extra)."""

from tinykeras.export.onnx_export import EXPORTERS, register_onnx_exporter, to_onnx

__all__ = ["EXPORTERS", "register_onnx_exporter", "to_onnx"]
