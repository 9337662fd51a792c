"""Request-body size limit as plain ASGI middleware: 413 before parsing, whatever the client claims.

Two checks, because a client may send no Content-Length (chunked) or a wrong one:
a declared Content-Length over the limit is refused before a byte of the body is read, and
the bytes actually received are counted as the app reads them; once past the limit the
read fails with an HTTPException(413), which FastAPI passes through its body parsing untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gaugan.app.uploads import format_bytes

# Multipart framing (boundaries, part headers, the seed field) on top of the file bytes themselves.
MULTIPART_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """Server limits. ``max_upload_bytes`` applies to each uploaded file; ``queue_size`` is
    the number of synthesis jobs allowed to wait behind the running one."""

    max_upload_bytes: int = 4 << 20
    queue_size: int = 8

    def __post_init__(self) -> None:
        if self.max_upload_bytes < 1024:
            raise ValueError(f"max_upload_bytes must be at least 1024, got {self.max_upload_bytes}")
        if self.queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {self.queue_size}")

    @property
    def max_body_bytes(self) -> int:
        """A request carries at most a label map and a style image."""
        return 2 * self.max_upload_bytes + MULTIPART_OVERHEAD


class BodySizeLimit:
    """Refuses HTTP request bodies larger than ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> str:
        return f"request body is larger than the limit of {format_bytes(self.max_bytes)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await JSONResponse({"detail": "malformed Content-Length header"}, status_code=400)(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await JSONResponse({"detail": self._too_large()}, status_code=413)(scope, receive, send)
                return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._too_large())
            return message

        await self.app(scope, counting_receive, send)
