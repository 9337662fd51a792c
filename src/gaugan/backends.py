"""The Synthesizer's inference backends, named without importing torch: the command line
registers its options before any model code is loaded (`gaugan.pipeline` runs them)."""

BACKENDS = ("auto", "torch", "fast", "onnx")
BACKEND_HELP = (
    "auto (default): the fast path for SPADE and CLADE generators on CPU, else torch; "
    "onnx: onnxruntime (see gaugan export)"
)
