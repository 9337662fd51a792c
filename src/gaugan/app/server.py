"""The painter's FastAPI app: the static painting page and a small HTTP API around a `Synthesizer`.

    app = create_app(Synthesizer.from_pretrained(ckpt), settings=..., styles=..., limits=Limits())

Routes: ``/`` the page, ``/static/<file>`` its scripts and styles (an allow-list read into
memory at start-up: no request ever touches the file system), ``GET /api/model``,
``POST /api/synthesize``, ``POST /api/labelmap``, ``GET /api/styles/<name>``, ``GET /healthz``
and FastAPI's ``/docs``. All inference runs on one worker thread behind a bounded queue.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import time
from concurrent.futures import Future
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Optional

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from PIL import Image
from starlette.concurrency import run_in_threadpool

from gaugan.app.extras import PainterSettings, StylePreset
from gaugan.app.limits import BodySizeLimit, Limits
from gaugan.app.schemas import ClassInfo, Health, LabelMapIds, LimitsInfo, ModelInfo, StylePresetInfo
from gaugan.app.uploads import UploadError, check_size, decode_label_map, decode_style_image
from gaugan.app.worker import InferenceWorker, QueueFull
from gaugan.pipeline import LabelMapError

log = logging.getLogger("gaugan.app")

STATIC_DIR = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
SEED_MAX = 2**31 - 1
LABEL_MAP_DOC = "PNG: one-channel class ids, or RGB(A) in the model's palette; 1/8 to 8 times the model's size"
FALLBACK_SIZE = (256, 256)  # generators whose config states no output size (pix2pixHD baselines)
# The page needs nothing from elsewhere; blob: for the result images the script builds.
PAGE_CSP = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
ERRORS = {
    413: {"description": "an upload or the request body is over the size limit"},
    422: {"description": "bad input; `detail` names the problem (format, size, unknown colour or class id)"},
    503: {"description": "the inference queue is full; retry after the Retry-After header's seconds"},
}


class ClientGone(Exception):
    """The client closed the connection while its job waited."""


def read_static_files(directory: Path = STATIC_DIR) -> dict[str, tuple[bytes, str]]:
    """name -> (content, media type) of the regular files directly in ``directory`` (no links, no folders)."""
    files = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and not path.is_symlink() and path.suffix in MEDIA_TYPES:
            files[path.name] = (path.read_bytes(), MEDIA_TYPES[path.suffix])
    if "index.html" not in files:
        raise FileNotFoundError(f"the painter page is missing from this install: {directory / 'index.html'}")
    return files


def model_size(synth) -> tuple[int, int]:
    """(H, W) of the model's pictures."""
    return tuple(synth.output_size) if synth.output_size else FALLBACK_SIZE


def encoder_input_size(synth) -> int:
    encoder = getattr(getattr(synth, "model", None), "encoder", None)
    return int(getattr(getattr(encoder, "config", None), "input_size", 256))


def create_app(
    synth,
    *,
    settings: PainterSettings | None = None,
    styles: list[StylePreset] | tuple = (),
    limits: Limits = Limits(),
    name: str = "",
    warm_up: bool = True,
) -> FastAPI:
    """The painter app serving ``synth`` (a `gaugan.pipeline.Synthesizer`)."""
    settings = settings or PainterSettings()
    labels = synth.labels
    num_ids = labels.num_classes + int(labels.dontcare)
    if num_ids > 256:
        raise ValueError(f"the painter stores class ids in bytes: {num_ids} ids is more than 256")
    if styles and not synth.has_encoder:
        log.warning("ignoring %d style presets: this model has no style encoder", len(styles))
        styles = ()
    presets = {preset.name: preset for preset in styles}
    height, width = model_size(synth)
    static_files = read_static_files()
    worker = InferenceWorker(limits.queue_size)
    if warm_up:  # first forward pays one-off allocation costs; do it before the first visitor
        worker.submit(synth, np.full((height, width), settings.background_class, np.int64), seed=0)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        worker.close()

    app = FastAPI(
        title="GauGAN painter",
        description="Paint a semantic label map, get a picture (SPADE / GauGAN). The page is at `/`.",
        lifespan=lifespan,
    )
    app.state.worker = worker
    app.state.synth = synth
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes)

    classes = [ClassInfo(id=i, name=n, color=c) for i, (n, c) in enumerate(zip(labels.names, labels.colors))]
    if labels.dontcare:
        classes.append(ClassInfo(id=labels.num_classes, name="unlabeled (don't care)", color=labels.dontcare_color, dontcare=True))
    model_info = ModelInfo(
        name=name or labels.dataset or "gaugan",
        width=width,
        height=height,
        has_encoder=synth.has_encoder,
        classes=classes,
        featured=list(settings.featured),
        default_class=settings.default_class,
        background_class=settings.background_class,
        style_presets=[StylePresetInfo(name=p, thumbnail=f"/api/styles/{p}") for p in presets],
        seed_max=SEED_MAX,
        limits=LimitsInfo(max_upload_bytes=limits.max_upload_bytes, queue_size=limits.queue_size),
    )

    # ---- page --------------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        content, media_type = static_files["index.html"]
        return Response(content, media_type=media_type, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"})

    @app.get("/static/{name:path}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in static_files:  # an exact allow-list: "..", encodings and links never match
            raise HTTPException(404, "not found")
        content, media_type = static_files[name]
        return Response(content, media_type=media_type, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    # ---- API ---------------------------------------------------------------------------------
    @app.get("/healthz", response_model=Health, summary="Liveness and queue length")
    def healthz() -> Health:
        return Health(status="ok", pending=worker.pending, queue_size=limits.queue_size, completed=worker.completed)

    @app.get("/api/model", response_model=ModelInfo, summary="Classes, colours, size and style options of the model")
    def get_model() -> ModelInfo:
        return model_info

    @app.get("/api/styles/{preset}", summary="Thumbnail of a style preset", responses={200: {"content": {"image/jpeg": {}}}})
    def style_thumbnail(preset: str) -> Response:
        if preset not in presets:
            raise HTTPException(404, f"no style preset named {preset!r}")
        return Response(presets[preset].thumbnail_jpeg, media_type="image/jpeg")

    async def read_label_map(upload: UploadFile) -> np.ndarray:
        data = check_size(await upload.read(limits.max_upload_bytes + 1), limits.max_upload_bytes, "label map")
        def to_ids(image: Image.Image) -> np.ndarray:
            return synth.label_ids(image, "label map").numpy()

        try:
            return await run_in_threadpool(decode_label_map, data, labels, (height, width), to_ids)
        except LabelMapError as err:
            raise HTTPException(422, str(err)) from None

    @app.post("/api/labelmap", response_model=LabelMapIds, responses={k: ERRORS[k] for k in (413, 422)},
              summary="Check a label map and return its class ids at the model's size")
    async def labelmap(label_map: UploadFile = File(description=LABEL_MAP_DOC)) -> LabelMapIds:
        ids = await read_label_map(label_map)
        return LabelMapIds(width=width, height=height, ids=base64.b64encode(ids.astype(np.uint8).tobytes()).decode())

    @app.post(
        "/api/synthesize",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}, "description": "the picture, PNG"}, **ERRORS},
        summary="Label map (+ seed, + style) -> picture",
    )
    async def synthesize(
        request: Request,
        label_map: UploadFile = File(description=LABEL_MAP_DOC),
        seed: int = Form(0, ge=0, le=SEED_MAX, description="picks the variation (models with an encoder)"),
        style_image: Optional[UploadFile] = File(None, description="PNG/JPEG reference whose style to copy (encoder models)"),
        style_preset: Optional[str] = Form(None, description="name of a style preset shipped with the model"),
    ) -> Response:
        if worker.pending >= limits.queue_size:  # refuse before decoding anything
            return queue_full(QueueFull(worker.retry_after()))
        style = await resolve_style(style_image, style_preset or None)
        ids = await read_label_map(label_map)
        try:
            future = worker.submit(render_png, synth, ids, seed, style)
        except QueueFull as full:
            return queue_full(full)
        queued = time.perf_counter()
        try:
            png, seconds = await wait_for_job(request, future)
        except ClientGone:
            return Response(status_code=499)
        except LabelMapError as err:
            raise HTTPException(422, str(err)) from None
        headers = {
            "Cache-Control": "no-store",
            "X-Inference-Ms": f"{seconds * 1000:.1f}",
            "X-Queue-Ms": f"{(time.perf_counter() - queued - seconds) * 1000:.1f}",
        }
        return Response(png, media_type="image/png", headers=headers)

    async def resolve_style(upload: UploadFile | None, preset: str | None) -> Image.Image | None:
        if upload is None and preset is None:
            return None
        if not synth.has_encoder:
            raise HTTPException(422, "this model has no style encoder: it cannot take a style image or style preset")
        if upload is not None and preset is not None:
            raise HTTPException(422, "give either style_image or style_preset, not both")
        if preset is not None:
            if preset not in presets:
                known = ", ".join(presets) or "none"
                raise HTTPException(422, f"no style preset named {preset!r} (this model has: {known})")
            return presets[preset].image
        data = check_size(await upload.read(limits.max_upload_bytes + 1), limits.max_upload_bytes, "style image")
        return await run_in_threadpool(decode_style_image, data, encoder_input_size(synth))

    @app.exception_handler(UploadError)
    async def upload_error(request: Request, err: UploadError) -> JSONResponse:
        return JSONResponse({"detail": err.message}, status_code=err.status)

    return app


def queue_full(full: QueueFull) -> JSONResponse:
    return JSONResponse({"detail": str(full)}, status_code=503, headers={"Retry-After": str(full.retry_after)})


def render_png(synth, ids: np.ndarray, seed: int, style: Image.Image | None) -> tuple[bytes, float]:
    """Runs on the worker thread: (PNG bytes, seconds of inference)."""
    start = time.perf_counter()
    picture = synth(ids, seed=seed, style_image=style) if style is not None else synth(ids, seed=seed)
    seconds = time.perf_counter() - start
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)  # a live preview: speed over a few KB
    return buffer.getvalue(), seconds


async def wait_for_job(request: Request, future: Future, poll_s: float = 0.05):
    """The job's result; if the client hangs up first, cancel the job (skipped if not yet started)."""
    waiter = asyncio.wrap_future(future)
    try:
        while True:
            done, _ = await asyncio.wait({waiter}, timeout=poll_s)
            if done:
                return waiter.result()
            if await request.is_disconnected():
                future.cancel()
                raise ClientGone
    except asyncio.CancelledError:
        future.cancel()
        raise
