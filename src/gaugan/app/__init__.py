"""The GauGAN painter: a browser page to paint label maps and an HTTP API around one or more `Synthesizer`s.

`gaugan serve [CHECKPOINT ...]` runs it under uvicorn; `create_app` builds the FastAPI app for tests
or for embedding (one `PainterModel` per checkpoint). No ML code lives here: inference is
`gaugan.pipeline.Synthesizer`'s.
"""

__all__ = ["Limits", "PainterModel", "create_app"]


def __getattr__(name: str):
    # Lazy: `gaugan --help` imports gaugan.app.cli, and should not pay for FastAPI and torch.
    if name == "create_app":
        from gaugan.app.server import create_app

        return create_app
    if name == "PainterModel":
        from gaugan.app.catalog import PainterModel

        return PainterModel
    if name == "Limits":
        from gaugan.app.limits import Limits

        return Limits
    raise AttributeError(name)
