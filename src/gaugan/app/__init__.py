"""The GauGAN painter: a browser page to paint label maps and an HTTP API around a `Synthesizer`.

`gaugan serve [CHECKPOINT]` runs it under uvicorn; `create_app` builds the FastAPI app for tests
or for embedding. No ML code lives here: inference is `gaugan.pipeline.Synthesizer`'s.
"""

__all__ = ["Limits", "create_app"]


def __getattr__(name: str):
    # Lazy: `gaugan --help` imports gaugan.app.cli, and should not pay for FastAPI and torch.
    if name == "create_app":
        from gaugan.app.server import create_app

        return create_app
    if name == "Limits":
        from gaugan.app.limits import Limits

        return Limits
    raise AttributeError(name)
