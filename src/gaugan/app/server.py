"""The painter's FastAPI app: the static painting page and a small HTTP API around one or more `Synthesizer`s.

    app = create_app({"streets": PainterModel.from_checkpoint(a), "mine": PainterModel.from_checkpoint(b)})
    app = create_app(Synthesizer.from_pretrained(ckpt), settings=..., styles=..., limits=Limits())  # one model

Routes: ``/`` the page, ``/static/<file>`` its scripts and styles (an allow-list read into
memory at start-up: no request ever touches the file system), ``GET /api/models``,
``GET /api/model``, ``GET /api/examples/<index>``, ``GET /api/styles/<name>``,
``POST /api/synthesize``, ``POST /api/labelmap``, ``GET /healthz`` and FastAPI's ``/docs``.
Every ``/api`` route but ``/api/models`` takes the model's name (query parameter or form field
``model``; default: the first model). All inference, whatever the model, runs on one worker
thread behind one bounded queue: the models share the CPU, so they share its queue.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import time
from concurrent.futures import Future
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Mapping, Optional
from urllib.parse import quote

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Path as PathParam, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from PIL import Image
from starlette.concurrency import run_in_threadpool

from gaugan.app.access import token_guard
from gaugan.app.catalog import PainterModel, encoder_input_size, model_size
from gaugan.app.extras import Example, PainterSettings, StylePreset
from gaugan.app.limits import BodySizeLimit, Limits
from gaugan.app.openapi import install_exact_openapi
from gaugan.app.schemas import (
    ClassInfo, ErrorDetail, ExampleIds, ExampleInfo, Health, LabelEncodingInfo, LabelMapIds, LimitsInfo, ModelInfo, ModelSummary,
    StylePresetInfo,
)
from gaugan.app.uploads import UploadError, check_size, decode_label_map, decode_style_image, format_bytes
from gaugan.app.worker import InferenceWorker, QueueFull
from gaugan.labels import LABEL_ENCODINGS
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
TRUNCATION_MAX = 2.0  # twice the prior's spread: past that a generator paints codes it never saw in training
LABEL_MAP_DOC = "PNG: one-channel class ids, or RGB(A) in the model's palette; 1/8 to 8 times the model's size"
LABEL_ENCODING_DOC = ("how a one-channel label map stores ids: 'dataset' as the model's training data stores them "
                      "(its `label_encoding`, e.g. ADE20K 0 = unlabeled), 'model' the ids of `classes`")
LabelEncodingName = Literal[LABEL_ENCODINGS]  # an enum in the schema
MODEL_DOC = "name of the model (see GET /api/models); default: the first one"
# The page needs nothing from elsewhere; blob: for the result images the script builds.
PAGE_CSP = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
ERRORS = {
    400: {"model": ErrorDetail, "description": "malformed Content-Length header"},
    404: {"model": ErrorDetail, "description": "no model of that name (`detail` lists the models), or no such style preset or example"},
    409: {"model": ErrorDetail, "description": "a style for a model without a style encoder, or both style_image and style_preset"},
    413: {"model": ErrorDetail, "description": "an upload or the request body is over the size limit"},
    422: {"description": "bad input; `detail` names the problem (format, size, unknown colour or class id, bad field)"},
    499: {"description": "the client closed the connection before its picture was ready (the job is dropped)"},
    503: {"model": ErrorDetail, "description": "the inference queue is full; retry after the Retry-After header's seconds"},
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


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


@dataclass(frozen=True)
class ServedModel:
    """A model as the routes see it: its synthesizer and the answers about it, built once at start-up."""

    name: str
    synth: object
    height: int
    width: int
    presets: dict[str, StylePreset]
    examples: tuple[ExampleIds, ...]
    info: ModelInfo
    summary: ModelSummary

    @property
    def labels(self):
        return self.synth.labels


def as_catalog(models, settings: PainterSettings | None, styles, examples, name: str) -> dict[str, PainterModel]:
    """The models by name, from either call form of `create_app` (a mapping, or one synthesizer + its files)."""
    if isinstance(models, Mapping):
        if settings is not None or styles or examples or name:
            raise TypeError("with several models, settings, styles, examples and name go in each PainterModel")
        if not models:
            raise ValueError("create_app needs at least one model")
        return dict(models)
    model = models if isinstance(models, PainterModel) else PainterModel(
        models, settings or PainterSettings(), tuple(styles), tuple(examples)
    )
    return {name or model.synth.labels.dataset or "gaugan": model}


def serve_model(name: str, model: PainterModel, limits: Limits) -> ServedModel:
    """Check ``model`` and build the JSON answers about it."""
    synth, settings, labels = model.synth, model.settings, model.synth.labels
    num_ids = labels.num_classes + int(labels.dontcare)
    if not name:
        raise ValueError("a model name must not be empty")
    if num_ids > 256:
        raise ValueError(f"model {name!r}: the painter stores class ids in bytes: {num_ids} ids is more than 256")
    styles = model.styles
    if styles and not synth.has_encoder:
        log.warning("model %r: ignoring %d style presets: this model has no style encoder", name, len(styles))
        styles = ()
    height, width = model_size(synth)
    for example in model.examples:  # load_examples resized them; a hand-built Example may not be
        if example.ids.shape != (height, width):
            raise ValueError(f"model {name!r}: example {example.name!r} is {example.ids.shape}, not the model's {(height, width)}")
    query = f"?model={quote(name, safe='')}"
    examples = tuple(
        ExampleIds(name=e.name, width=width, height=height, ids=base64.b64encode(e.ids.astype(np.uint8).tobytes()).decode())
        for e in model.examples
    )
    classes = [ClassInfo(id=i, name=n, color=c) for i, (n, c) in enumerate(zip(labels.names, labels.colors))]
    if labels.dontcare:
        classes.append(ClassInfo(id=labels.num_classes, name="unlabeled (don't care)", color=labels.dontcare_color, dontcare=True))
    description = model.description or f"{labels.dataset or 'custom'} labels, {width}x{height}"
    info = ModelInfo(
        name=name,
        description=description,
        width=width,
        height=height,
        has_encoder=synth.has_encoder,
        classes=classes,
        featured=list(settings.featured),
        default_class=settings.default_class,
        background_class=settings.background_class,
        style_presets=[StylePresetInfo(name=p.name, thumbnail=f"/api/styles/{quote(p.name)}{query}") for p in styles],
        examples=[ExampleInfo(name=e.name, url=f"/api/examples/{i}{query}") for i, e in enumerate(examples)],
        seed_max=SEED_MAX,
        truncation=synth.model.truncation if synth.model.takes_noise else None,
        truncation_max=TRUNCATION_MAX,
        limits=LimitsInfo(max_upload_bytes=limits.max_upload_bytes, queue_size=limits.queue_size),
        label_encoding=LabelEncodingInfo(**labels.encoding.to_dict()) if labels.encoding is not None else None,
    )
    summary = ModelSummary(name=name, description=description, width=width, height=height, has_encoder=synth.has_encoder,
                           num_classes=labels.num_classes, examples=len(examples))
    return ServedModel(name, synth, height, width, {p.name: p for p in styles}, examples, info, summary)


def warm_up_models(served: list[ServedModel]) -> None:
    """Runs on the worker thread: one forward per model (the first pays one-off allocation costs)."""
    for model in served:
        model.synth(np.full((model.height, model.width), model.info.background_class, np.int64), seed=0)


def create_app(
    models,
    *,
    settings: PainterSettings | None = None,
    styles: list[StylePreset] | tuple = (),
    examples: list[Example] | tuple = (),
    limits: Limits = Limits(),
    name: str = "",
    warm_up: bool = True,
    token: str | None = None,
) -> FastAPI:
    """The painter app serving ``models``: {name: `PainterModel`} (the first is the default model),
    or one `gaugan.pipeline.Synthesizer` with its ``settings``, ``styles``, ``examples`` and ``name``.
    ``token``: every API route then needs ``Authorization: Bearer <token>`` (`gaugan.app.access`)."""
    guard, guarded = token_guard(token)
    catalog = as_catalog(models, settings, styles, examples, name)
    served = {key: serve_model(key, model, limits) for key, model in catalog.items()}
    default = next(iter(served.values()))
    static_files = read_static_files()
    worker = InferenceWorker(limits.queue_size)
    if warm_up:  # before the first visitor; one job, so that many models never overflow the queue
        worker.submit(warm_up_models, list(served.values()))

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
    app.state.models = served
    app.state.synth = default.synth  # the default model's, for callers of the one-model form
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_body_bytes)
    install_exact_openapi(app, limits.max_upload_bytes, format_bytes(limits.max_upload_bytes))

    def pick(model: str | None) -> ServedModel:
        if not model:  # absent or an empty form field: the default model
            return default
        if model not in served:
            raise HTTPException(404, f"no model named {model!r} (this server has: {', '.join(served)})")
        return served[model]

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

    @app.get("/api/models", response_model=list[ModelSummary], responses=guarded, dependencies=guard,
             summary="The models this server paints with, default first")
    def list_models() -> list[ModelSummary]:
        return [m.summary for m in served.values()]

    @app.get("/api/model", response_model=ModelInfo, responses={**errors(404, 422), **guarded}, dependencies=guard,
             summary="Classes, colours, size, style options and examples of a model")
    def get_model(model: Optional[str] = Query(None, description=MODEL_DOC)) -> ModelInfo:
        return pick(model).info

    @app.get("/api/examples/{index}", response_model=ExampleIds, responses={**errors(404, 422), **guarded}, dependencies=guard,
             summary="Class ids of one of the model's example layouts, at the model's size")
    def get_example(index: int = PathParam(ge=0, description="position in the model's `examples` list"),
                    model: Optional[str] = Query(None, description=MODEL_DOC)) -> ExampleIds:
        chosen = pick(model)
        if index >= len(chosen.examples):
            count = len(chosen.examples)
            raise HTTPException(404, f"model {chosen.name!r} has {count} examples" + (f" (0..{count - 1})" if count else ""))
        return chosen.examples[index]

    @app.get("/api/styles/{preset}", summary="Thumbnail of a style preset", response_class=Response,
             responses={200: {"content": {"image/jpeg": {}}, "description": "JPEG thumbnail"}, **errors(404, 422), **guarded},
             dependencies=guard)
    def style_thumbnail(preset: str, model: Optional[str] = Query(None, description=MODEL_DOC)) -> Response:
        chosen = pick(model)
        if preset not in chosen.presets:
            raise HTTPException(404, f"model {chosen.name!r} has no style preset named {preset!r}")
        return Response(chosen.presets[preset].thumbnail_jpeg, media_type="image/jpeg")

    async def read_label_map(chosen: ServedModel, upload: UploadFile, label_encoding: str) -> np.ndarray:
        data = check_size(await upload.read(limits.max_upload_bytes + 1), limits.max_upload_bytes, "label map")
        def to_ids(image: Image.Image) -> np.ndarray:
            return chosen.synth.label_ids(image, "label map", label_encoding).numpy()

        try:
            return await run_in_threadpool(decode_label_map, data, chosen.labels, (chosen.height, chosen.width), to_ids)
        except LabelMapError as err:
            raise HTTPException(422, str(err)) from None

    @app.post("/api/labelmap", response_model=LabelMapIds, responses={**errors(400, 404, 413, 422), **guarded}, dependencies=guard,
              summary="Check a label map and return its class ids at the model's size")
    async def labelmap(request: Request,
                       label_map: UploadFile = File(description=LABEL_MAP_DOC),
                       model: Optional[str] = Form(None, description=MODEL_DOC),
                       label_encoding: LabelEncodingName = Form("dataset", description=LABEL_ENCODING_DOC)) -> LabelMapIds:
        await refuse_repeated_fields(request)
        chosen = pick(model)
        ids = await read_label_map(chosen, label_map, label_encoding)
        return LabelMapIds(width=chosen.width, height=chosen.height, ids=base64.b64encode(ids.astype(np.uint8).tobytes()).decode())

    @app.post(
        "/api/synthesize",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}, "description": "the picture, PNG, at the model's size"}, **ERRORS, **guarded},
        dependencies=guard,
        summary="Label map (+ seed, + style) -> picture",
    )
    async def synthesize(
        request: Request,
        label_map: UploadFile = File(description=LABEL_MAP_DOC),
        seed: int = Form(0, ge=0, le=SEED_MAX, description="picks the variation (models with a style encoder or OASIS noise)"),
        truncation: Optional[float] = Form(
            None, ge=0, le=TRUNCATION_MAX,
            description="the standard deviation the seed's style code is drawn at (default: the model's `truncation`; "
                        "less: more typical pictures, less different from seed to seed)"),
        style_image: Optional[UploadFile] = File(None, description="PNG/JPEG reference whose style to copy (encoder models)"),
        style_preset: Optional[str] = Form(None, description="name of a style preset shipped with the model"),
        model: Optional[str] = Form(None, description=MODEL_DOC),
        label_encoding: LabelEncodingName = Form("dataset", description=LABEL_ENCODING_DOC),
    ) -> Response:
        await refuse_repeated_fields(request)
        chosen = pick(model)  # first: a request that can never succeed should not be told to retry
        if worker.pending >= limits.queue_size:  # refuse before decoding anything
            return queue_full(QueueFull(worker.retry_after()))
        style = await resolve_style(chosen, style_image, style_preset or None)
        ids = await read_label_map(chosen, label_map, label_encoding)
        try:
            future = worker.submit(render_png, chosen.synth, ids, seed, style, truncation)
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

    async def resolve_style(chosen: ServedModel, upload: UploadFile | None, preset: str | None) -> Image.Image | None:
        if upload is None and preset is None:
            return None
        if not chosen.synth.has_encoder:
            raise HTTPException(409, "this model has no style encoder: it cannot take a style image or style preset")
        if upload is not None and preset is not None:
            raise HTTPException(409, "give either style_image or style_preset, not both")
        if preset is not None:
            if preset not in chosen.presets:
                known = ", ".join(chosen.presets) or "none"
                raise HTTPException(404, f"no style preset named {preset!r} (this model has: {known})")
            return chosen.presets[preset].image
        data = check_size(await upload.read(limits.max_upload_bytes + 1), limits.max_upload_bytes, "style image")
        return await run_in_threadpool(decode_style_image, data, encoder_input_size(chosen.synth))

    @app.exception_handler(UploadError)
    async def upload_error(request: Request, err: UploadError) -> JSONResponse:
        return JSONResponse({"detail": err.message}, status_code=err.status)

    return app


FORM_FIELDS = frozenset({"label_map", "seed", "truncation", "style_image", "style_preset", "model", "label_encoding"})


async def refuse_repeated_fields(request: Request) -> None:
    """422 for one of the API's form fields sent twice: FastAPI would keep one of them silently.
    (Other fields are ignored, as the schema allows.)"""
    form = await request.form()  # already parsed for the endpoint's fields: no second read
    counts: dict[str, int] = {}
    for key, _ in form.multi_items():
        if key in FORM_FIELDS:
            counts[key] = counts.get(key, 0) + 1
    repeated = sorted(k for k, n in counts.items() if n > 1)
    if repeated:
        raise HTTPException(422, f"form field(s) given more than once: {', '.join(repeated)}")


def queue_full(full: QueueFull) -> JSONResponse:
    return JSONResponse({"detail": str(full)}, status_code=503, headers={"Retry-After": str(full.retry_after)})


def render_png(synth, ids: np.ndarray, seed: int, style: Image.Image | None, truncation: float | None = None) -> tuple[bytes, float]:
    """Runs on the worker thread: (PNG bytes, seconds of inference)."""
    start = time.perf_counter()
    picture = synth(ids, seed=seed, style_image=style, truncation=truncation)
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
