"""The painter's HTTP API: happy paths, every refusal (413 / 422 / 503 / 404) with its message, several
models behind one server (picker API, examples), and the CLI."""

from __future__ import annotations

import asyncio
import base64
import http.client
import io
import shutil
import struct
import threading
import zlib
from urllib.parse import urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient
from painter_helpers import (
    CAR, CITY_DONTCARE, CITY_LABELS, CITY_SIZE, CITY_SKY, GRASS, LABELS, ROAD, SEA, SIZE, SKY, TREE, city_examples, layout,
    png_bytes,
)
from PIL import Image

from gaugan.app import Limits, create_app
from gaugan.app.catalog import PainterModel
from gaugan.app.extras import AppConfigError, load_examples, load_style_presets, read_painter_settings
from gaugan.app.worker import InferenceWorker, QueueFull
from gaugan.cli import main
from gaugan.pipeline import Synthesizer

COLOURS = np.array(LABELS.colors, np.uint8)


def make_client(checkpoint, limits=Limits(), warm_up=False) -> TestClient:
    synth = Synthesizer.from_pretrained(checkpoint)
    app = create_app(
        synth,
        settings=read_painter_settings(checkpoint, synth.labels),
        styles=load_style_presets(checkpoint, 64),
        limits=limits,
        name=checkpoint.name,
        warm_up=warm_up,
    )
    return TestClient(app)


@pytest.fixture(scope="module")
def vae(checkpoints):
    with make_client(checkpoints["vae"]) as client:
        yield client


@pytest.fixture(scope="module")
def plain(checkpoints):
    with make_client(checkpoints["plain"]) as client:
        yield client


@pytest.fixture(scope="module")
def pair(checkpoints):
    """One server, two models: "vae" (the default, 64x64, 4 classes) and "city" (64x32, 3 classes + don't care)."""
    models = {"vae": PainterModel.from_checkpoint(checkpoints["vae"]), "city": PainterModel.from_checkpoint(checkpoints["city"])}
    with TestClient(create_app(models, warm_up=False)) as client:
        yield client


def synth(client, label_png, expect=200, size=(SIZE, SIZE), **fields):
    """The picture (H, W, 3) int16 for ``label_png``, checking it is ``size`` (H, W); or the refusal's detail."""
    files = {"label_map": ("labels.png", label_png, "image/png")}
    if "style_image" in fields:
        files["style_image"] = ("style", fields.pop("style_image"), "application/octet-stream")
    response = client.post("/api/synthesize", files=files, data={k: str(v) for k, v in fields.items()})
    assert response.status_code == expect, response.text[:300]
    if expect == 200:
        assert response.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG" and image.size == (size[1], size[0])
        return np.asarray(image.convert("RGB"), np.int16)
    return response.json()["detail"]


def decode_ids(body: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(body["ids"]), np.uint8).reshape(body["height"], body["width"])


# ---------------------------------------------------------------- model info, page, health
def test_model_info_lists_classes_featured_first_and_presets(vae, plain):
    info = vae.get("/api/model").json()
    assert (info["width"], info["height"], info["has_encoder"]) == (SIZE, SIZE, True)
    assert [(c["id"], c["name"], tuple(c["color"])) for c in info["classes"]] == [
        (i, n, c) for i, (n, c) in enumerate(zip(LABELS.names, LABELS.colors))
    ]
    assert info["featured"] == [GRASS, SKY, SEA]
    assert (info["default_class"], info["background_class"]) == (GRASS, SKY)
    assert [p["name"] for p in info["style_presets"]] == ["noise", "sunset"]
    thumb = vae.get(info["style_presets"][1]["thumbnail"])
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).format == "JPEG"
    assert vae.get("/api/styles/nope").status_code == 404
    assert info["examples"] == [] and vae.get("/api/examples/0").status_code == 404
    bare = plain.get("/api/model").json()
    assert bare["featured"] == [] and bare["background_class"] == 0 and bare["default_class"] == 0
    assert bare["has_encoder"] is False and bare["style_presets"] == []


def test_page_static_files_health_and_openapi(vae):
    page = vae.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    for name, kind in (("app.js", "javascript"), ("painter.js", "javascript"), ("png.js", "javascript"), ("style.css", "text/css")):
        response = vae.get(f"/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]
    assert "image-rendering: pixelated" in vae.get("/static/style.css").text
    assert vae.get("/healthz").json()["status"] == "ok"
    openapi = vae.get("/openapi.json").json()
    paths = openapi["paths"]
    assert {"/api/models", "/api/model", "/api/examples/{index}", "/api/synthesize", "/api/labelmap", "/healthz"} <= set(paths)
    # Every status a route can answer is in the schema, with a description.
    documented = {
        ("/api/synthesize", "post"): {"200", "400", "404", "409", "413", "422", "499", "503"},
        ("/api/labelmap", "post"): {"200", "400", "404", "413", "422"},
        ("/api/model", "get"): {"200", "404"},
        ("/api/examples/{index}", "get"): {"200", "404", "422"},
        ("/api/styles/{preset}", "get"): {"200", "404"},
        ("/api/models", "get"): {"200"},
    }
    for (path, method), codes in documented.items():
        responses = paths[path][method]["responses"]
        assert codes <= set(responses), (path, set(responses))
        assert all(responses[code].get("description") for code in codes)
    body = paths["/api/synthesize"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    assert "model" in openapi["components"]["schemas"][body.split("/")[-1]]["properties"]  # the form field
    assert any(p["name"] == "model" for p in paths["/api/model"]["get"]["parameters"])  # the query parameter
    # Exact where FastAPI is loose: no JSON null in form fields or queries, sized and typed uploads.
    fields = openapi["components"]["schemas"][body.split("/")[-1]]["properties"]
    assert fields["model"] == {"type": "string", "title": "Model", "description": fields["model"]["description"]}
    assert fields["label_map"]["minLength"] == 1 and fields["label_map"]["maxLength"] == 4 << 20
    assert "at most 4 MiB" in fields["label_map"]["description"] and "" in fields["label_encoding"]["enum"]
    form = paths["/api/synthesize"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert form["encoding"] == {"label_map": {"contentType": "image/png"}, "style_image": {"contentType": "image/png, image/jpeg"}}
    assert paths["/api/model"]["get"]["parameters"][0]["schema"]["type"] == "string"
    assert set(paths["/api/styles/{preset}"]["get"]["responses"]["200"]["content"]) == {"image/jpeg"}
    assert vae.get("/docs").status_code == 200


@pytest.mark.parametrize("path", [
    "/static/../../pyproject.toml",
    "/static/..%2F..%2Fpyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/%2E%2E%2F%2E%2E%2Fpyproject.toml",
    "/static/%252e%252e%252fpyproject.toml",
    "/static/..\\..\\pyproject.toml",
    "/static//etc/passwd",
    "/static/",
    "/static/painter_helpers.py",
    "/static/../server.py",
    "/static/%2e%2e/server.py",
])
def test_no_file_outside_the_static_folder(vae, path):
    response = vae.get(path)
    assert response.status_code == 404
    assert "[project]" not in response.text and "root:" not in response.text


def test_path_traversal_over_a_raw_socket(live_server):
    """httpx tidies '..' away before sending; http.client sends the path as written."""
    host = urlsplit(live_server)
    for path in ("/static/../../pyproject.toml", "/static/..%2f..%2fpyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
                 "/static/../server.py", "/../../../etc/passwd"):
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 404, path
        assert b"[project]" not in body and b"root:" not in body


# ---------------------------------------------------------------- synthesis
def test_id_and_colour_maps_agree_and_painted_labels_change_the_picture(plain):
    ids = layout()
    a = synth(plain, png_bytes(ids))
    assert np.array_equal(a, synth(plain, png_bytes(COLOURS[ids])))
    assert np.array_equal(a, synth(plain, png_bytes(np.dstack([COLOURS[ids], np.full(ids.shape, 255, np.uint8)]))))  # RGBA
    assert a.std() > 5  # not blank
    painted = ids.copy()
    painted[4:20, 4:20] = TREE
    b = synth(plain, png_bytes(painted))
    diff = np.abs(b - a).sum(-1)
    assert diff[4:20, 4:20].mean() > 5 * max(diff[40:, 40:].mean(), 0.2)
    # A map at twice the size is resized with nearest neighbour: same picture.
    assert np.array_equal(a, synth(plain, png_bytes(np.kron(ids, np.ones((2, 2), np.uint8)))))


def test_seed_picks_the_variation_and_repeats(vae, plain):
    label_png = png_bytes(layout())
    s3, s3_again, s4 = (synth(vae, label_png, seed=s) for s in (3, 3, 4))
    assert np.array_equal(s3, s3_again)
    assert np.abs(s3 - s4).mean() > 1
    # Without an encoder the seed has nothing to pick.
    assert np.array_equal(synth(plain, label_png, seed=3), synth(plain, label_png, seed=4))


def test_truncation_narrows_the_seeds_per_request_and_is_checked(vae, plain):
    label_png = png_bytes(layout())
    info = vae.get("/api/model").json()
    assert info["truncation"] == 1.0 and info["truncation_max"] == 2.0  # the checkpoint's own: the prior
    assert plain.get("/api/model").json()["truncation"] is None  # no latent to draw
    spread = {t: np.abs(synth(vae, label_png, seed=3, truncation=t) - synth(vae, label_png, seed=4, truncation=t)).mean()
              for t in (1.0, 0.3, 0.0)}
    assert spread[1.0] > spread[0.3] > 0 and spread[0.0] == 0  # 0: every seed paints the mean code
    assert np.array_equal(synth(vae, label_png, seed=3, truncation=1.0), synth(vae, label_png, seed=3))  # the model's default
    for bad in (-0.1, 2.5, "wide"):
        detail = synth(vae, label_png, expect=422, truncation=bad)
        assert "truncation" in str(detail)


def test_style_presets_and_uploaded_style_images(vae):
    label_png = png_bytes(layout())
    seeded = synth(vae, label_png, seed=0)
    sunset = synth(vae, label_png, style_preset="sunset")
    noise = synth(vae, label_png, style_preset="noise")
    assert np.abs(sunset - noise).mean() > 0.5 and np.abs(sunset - seeded).mean() > 0.5
    assert np.array_equal(sunset, synth(vae, label_png, style_preset="sunset", seed=9))  # a style fixes z
    photo = np.zeros((80, 120, 3), np.uint8)
    photo[..., 2] = 200
    for fmt in ("PNG", "JPEG"):
        styled = synth(vae, label_png, style_image=png_bytes(photo, format=fmt))
        assert styled.std() > 5
    assert synth(vae, label_png, style_preset="") is not None  # an empty form field means "no preset"


def test_labelmap_endpoint_returns_ids_at_model_size(vae):
    ids = layout()
    big = np.kron(ids, np.ones((2, 2), np.uint8))
    for upload in (png_bytes(ids), png_bytes(COLOURS[big])):
        response = vae.post("/api/labelmap", files={"label_map": ("m.png", upload, "image/png")})
        assert response.status_code == 200, response.text
        body = response.json()
        decoded = np.frombuffer(base64.b64decode(body["ids"]), np.uint8).reshape(body["height"], body["width"])
        assert np.array_equal(decoded, ids)
    response = vae.post("/api/labelmap", files={"label_map": ("m.png", png_bytes(np.full((SIZE, SIZE), 7, np.uint8)), "image/png")})
    assert response.status_code == 422 and "class id 7" in response.json()["detail"]


# ---------------------------------------------------------------- several models, examples
def test_models_lists_every_model_default_first(pair):
    models = pair.get("/api/models").json()
    assert [m["name"] for m in models] == ["vae", "city"]
    vae, city = models
    assert (vae["width"], vae["height"], vae["has_encoder"], vae["num_classes"], vae["examples"]) == (SIZE, SIZE, True, 4, 0)
    assert (city["height"], city["width"]) == CITY_SIZE
    assert (city["has_encoder"], city["num_classes"], city["examples"]) == (False, 3, 2)
    assert city["description"] == "toy streets for the tests"  # app.json's
    assert vae["description"]  # made up when app.json has none
    assert pair.get("/api/model").json()["name"] == "vae"  # no model named: the first
    info = pair.get("/api/model", params={"model": "city"}).json()
    assert (info["height"], info["width"]) == CITY_SIZE and info["featured"] == [CAR, ROAD]
    assert [c["name"] for c in info["classes"]] == [*CITY_LABELS.names, "unlabeled (don't care)"]
    assert [e["name"] for e in info["examples"]] == ["a-crossing", "b-parking"]
    styles = pair.get("/api/model", params={"model": "vae"}).json()["style_presets"]
    assert pair.get(styles[0]["thumbnail"]).status_code == 200  # the URL names its model


def test_each_model_paints_at_its_own_size_with_its_own_labels(pair):
    h, w = CITY_SIZE
    street = np.full((h, w), CITY_SKY, np.uint8)
    street[h // 2:] = ROAD
    city = synth(pair, png_bytes(street), size=CITY_SIZE, model="city", label_encoding="model")
    assert city.std() > 5
    assert np.array_equal(city, synth(pair, png_bytes(street), size=CITY_SIZE, model="city", seed=7, label_encoding="model"))
    vae = synth(pair, png_bytes(layout()), model="vae")
    assert np.array_equal(vae, synth(pair, png_bytes(layout())))  # the default model
    assert np.array_equal(vae, synth(pair, png_bytes(layout()), model=""))  # an empty field too
    # The label map is checked against the chosen model's label set and size.
    assert "class id 5 is outside 0..3 (4 classes)" in synth(pair, png_bytes(np.full((SIZE, SIZE), 5, np.uint8)), expect=422)
    assert "class id 5 is outside 0..3 (3 classes)" in synth(pair, png_bytes(np.full((h, w), 5, np.uint8)), expect=422, model="city",
                                                             label_encoding="model")
    assert "this model paints 64x32" in synth(pair, png_bytes(np.zeros((4, 1000), np.uint8)), expect=422, model="city")
    response = pair.post("/api/labelmap", files={"label_map": ("m.png", png_bytes(street[::2, ::2]), "image/png")},
                         data={"model": "city", "label_encoding": "model"})
    assert response.status_code == 200 and np.array_equal(decode_ids(response.json()), street)
    # A style is the vae model's business; the city model has no encoder.
    assert "no style encoder" in synth(pair, png_bytes(street), expect=409, model="city", style_preset="sunset")


def test_uploads_are_read_as_the_training_data_stored_ids_unless_told_model(pair):
    h, w = CITY_SIZE
    model_ids = city_examples()[1]  # sky, road and don't care
    stored = CITY_LABELS.encoding.encode(model_ids, CITY_LABELS).astype(np.uint8)  # road 1, sky 2, don't care 0
    assert stored.min() == 0 and stored.max() == 2 and not np.array_equal(stored, model_ids)
    info = pair.get("/api/model", params={"model": "city"}).json()
    assert info["label_encoding"] == {"first_value": 1, "dontcare_values": [0]}
    assert pair.get("/api/model").json()["label_encoding"] is None  # the toy model records none: ids as they are

    def labelmap(png, **fields):
        return pair.post("/api/labelmap", files={"label_map": ("m.png", png, "image/png")}, data={"model": "city", **fields})

    for fields in ({}, {"label_encoding": "dataset"}):  # the default is the dataset's encoding
        response = labelmap(png_bytes(stored), **fields)
        assert response.status_code == 200 and np.array_equal(decode_ids(response.json()), model_ids)
    response = labelmap(png_bytes(model_ids), label_encoding="model")
    assert response.status_code == 200 and np.array_equal(decode_ids(response.json()), model_ids)
    # Both readings paint the same picture.
    assert np.array_equal(synth(pair, png_bytes(stored), size=CITY_SIZE, model="city"),
                          synth(pair, png_bytes(model_ids), size=CITY_SIZE, model="city", label_encoding="model"))
    # A stored value outside the encoding is refused, naming it and the valid values.
    bad = stored.copy()
    bad[0, :5] = 9
    response = labelmap(png_bytes(bad))
    assert response.status_code == 422
    assert "label values not in toy-city (valid: 1..3, or 0 for don't care): 9 (5 px)" in response.json()["detail"]
    assert "label_encoding='model'" in response.json()["detail"]
    assert "label values not in toy-city" in synth(pair, png_bytes(bad), expect=422, model="city")
    response = labelmap(png_bytes(stored), label_encoding="utf-8")
    assert response.status_code == 422 and "label_encoding" in response.text


def test_an_unknown_model_is_refused_with_the_known_names(pair):
    message = "no model named 'nope' (this server has: vae, city)"
    label_png = png_bytes(layout())
    for response in (
        pair.get("/api/model", params={"model": "nope"}),
        pair.get("/api/examples/0", params={"model": "nope"}),
        pair.get("/api/styles/sunset", params={"model": "nope"}),
        pair.post("/api/labelmap", files={"label_map": ("m.png", label_png, "image/png")}, data={"model": "nope"}),
    ):
        assert response.status_code == 404 and response.json()["detail"] == message
    assert synth(pair, label_png, expect=404, model="nope") == message


def test_examples_are_served_at_the_model_size(pair):
    for index, expected in enumerate(city_examples()):
        response = pair.get(f"/api/examples/{index}", params={"model": "city"})
        assert response.status_code == 200
        body = response.json()
        assert (body["height"], body["width"]) == CITY_SIZE
        assert np.array_equal(decode_ids(body), expected)  # the first was stored at half size
    assert CITY_DONTCARE in decode_ids(body)  # the don't-care id is a class id like the others
    info = pair.get("/api/model", params={"model": "city"}).json()
    assert pair.get(info["examples"][1]["url"]).json()["name"] == "b-parking"
    missing = pair.get("/api/examples/2", params={"model": "city"})
    assert missing.status_code == 404 and "model 'city' has 2 examples (0..1)" in missing.json()["detail"]
    assert pair.get("/api/examples/-1", params={"model": "city"}).status_code == 422


def test_bad_example_files_stop_the_start_naming_the_file(checkpoints, tmp_path, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(checkpoints["city"], broken)
    bad = np.zeros(CITY_SIZE, np.uint8)
    bad[5, 5] = 9
    Image.fromarray(bad).save(broken / "examples" / "c-bad.png")
    with pytest.raises(AppConfigError, match=r"c-bad\.png: class id 9 is outside 0\.\.3 \(3 classes\)"):
        load_examples(broken, CITY_LABELS, CITY_SIZE)
    assert main(["serve", str(broken)]) == 2
    assert "c-bad.png: class id 9 is outside 0..3" in capsys.readouterr().err
    Image.fromarray(np.zeros((*CITY_SIZE, 3), np.uint8)).save(broken / "examples" / "c-bad.png")
    with pytest.raises(AppConfigError, match="c-bad.png: expected a one-channel PNG of class ids .* got mode RGB"):
        load_examples(broken, CITY_LABELS, CITY_SIZE)
    (broken / "examples" / "c-bad.png").write_bytes(b"not a png")
    with pytest.raises(AppConfigError, match="c-bad.png: not a readable PNG"):
        load_examples(broken, CITY_LABELS, CITY_SIZE)


def test_the_embedded_landscape_model_ships_held_out_examples():
    from gaugan.data import load_labelset
    from gaugan.default_model import EMBEDDED_MODELS
    from gaugan.landscapes import classes as C
    from gaugan.landscapes.make import render_scene

    directory = EMBEDDED_MODELS["landscapes"]
    if not (directory / "config.json").is_file():
        pytest.skip("no embedded landscape model in this build")
    examples = load_examples(directory, load_labelset("coco-stuff"), (128, 128))
    assert [e.name for e in examples] == ["02700", "02701", "02702", "02703"]
    for example in examples:
        assert set(np.unique(example.ids)) <= set(C.LANDSCAPE_CLASSES) and len(np.unique(example.ids)) >= 5
    assert np.array_equal(examples[0].ids, render_scene(128, 0, 2700)[1])  # test-split scenes (2700..2999)


# ---------------------------------------------------------------- bad input: 422 naming the problem
def _bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming width x height px, with almost no data."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


def test_bad_label_maps_are_422_with_the_reason(vae):
    ids = layout()
    wrong = COLOURS[ids].copy()
    wrong[:3, :3] = (1, 2, 3)
    noisy = png_bytes(np.random.default_rng(0).integers(0, 4, (SIZE, SIZE), np.uint8))
    truncated = noisy[: len(noisy) // 2]
    gif = io.BytesIO()
    Image.fromarray(ids).save(gif, format="GIF")
    cases = [
        (b"just some text", "not a PNG or JPEG image"),
        (b"", "label map is empty"),
        (gif.getvalue(), "not a PNG or JPEG image"),
        (png_bytes(COLOURS[ids], format="JPEG"), "label maps must be PNG"),
        (png_bytes(wrong), "(1, 2, 3) x 9 px"),
        (png_bytes(np.full((SIZE, SIZE), 9, np.uint8)), "class id 9 is outside 0..3"),
        (png_bytes(np.zeros((4, 1000), np.uint8)), "is 1000x4 px; this model paints 64x64 and accepts label maps from 8x8 to 512x512"),
        (png_bytes(np.zeros((SIZE, SIZE), bool)), "unsupported image mode '1'"),
        (_bomb_png(100_000, 100_000), "claims a picture too large to decode"),
        (_bomb_png(5000, 5000), "is 5000x5000 px"),
        (truncated, "label map could not be decoded"),
    ]
    for upload, message in cases:
        detail = synth(vae, upload, expect=422)
        assert message in detail, (message, detail)


def test_bad_fields_and_styles_are_refused(vae, plain):
    label_png = png_bytes(layout())
    # 409: valid fields that conflict with the model or with each other; 404: no such preset.
    assert "no style encoder" in synth(plain, label_png, expect=409, style_preset="sunset")
    assert "no style encoder" in synth(plain, label_png, expect=409, style_image=png_bytes(np.zeros((32, 32, 3), np.uint8)))
    assert "no style preset named 'nope' (this model has: noise, sunset)" in synth(vae, label_png, expect=404, style_preset="nope")
    both = synth(vae, label_png, expect=409, style_preset="sunset", style_image=png_bytes(np.zeros((32, 32, 3), np.uint8)))
    assert "not both" in both
    assert "style image is not a PNG or JPEG" in synth(vae, label_png, expect=422, style_image=b"GIF89a....")
    assert "style image is 4x4 px" in synth(vae, label_png, expect=422, style_image=png_bytes(np.zeros((4, 4, 3), np.uint8)))
    for seed in (-1, 2**31, "abc"):
        synth(vae, label_png, expect=422, seed=seed)
    assert vae.post("/api/synthesize", data={"seed": "1"}).status_code == 422  # no label map


# ---------------------------------------------------------------- size limits: 413
def test_uploads_over_the_limit_are_413(checkpoints):
    limit = 64 * 1024
    with make_client(checkpoints["vae"], Limits(max_upload_bytes=limit)) as client:
        noise = np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)
        big = png_bytes(noise)  # ~120 KB: over the per-file limit, under the body limit
        assert limit < len(big) < Limits(max_upload_bytes=limit).max_body_bytes
        assert "label map is larger than the upload limit of 64 KiB" in synth(client, big, expect=413)
        assert "style image is larger" in synth(client, png_bytes(layout()), expect=413, style_image=big)
        # Declared Content-Length over the body limit: refused before the body is read.
        body_limit = Limits(max_upload_bytes=limit).max_body_bytes
        huge = b"\0" * (body_limit + 1)
        response = client.post("/api/synthesize", content=huge, headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert response.status_code == 413 and "request body is larger" in response.json()["detail"]
        # No Content-Length (chunked): the bytes actually read are counted.
        def chunks():
            for _ in range(body_limit // 4096 + 1):
                yield b"\0" * 4096
        response = client.post("/api/synthesize", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert response.status_code == 413 and "request body is larger" in response.json()["detail"]
        assert synth(client, png_bytes(layout())).std() > 5  # and the server still works


# ---------------------------------------------------------------- the bounded queue: 503
def test_full_queue_is_503_with_retry_after(checkpoints):
    with make_client(checkpoints["plain"], Limits(queue_size=2)) as client:
        worker = client.app.state.worker
        release = threading.Event()
        started = threading.Event()
        blocker = worker.submit(lambda: (started.set(), release.wait(30)))
        assert started.wait(10)
        waiting = [worker.submit(lambda: None) for _ in range(2)]
        response = client.post("/api/synthesize", files={"label_map": ("m.png", png_bytes(layout()), "image/png")})
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) >= 1 and "queue is full" in response.json()["detail"]
        release.set()
        blocker.result(10)
        [w.result(10) for w in waiting]
        assert synth(client, png_bytes(layout())).std() > 5


def test_worker_runs_in_order_skips_cancelled_jobs_and_reports_errors():
    worker = InferenceWorker(max_pending=3)
    gate, started = threading.Event(), threading.Event()
    ran = []
    first = worker.submit(lambda: started.set() or gate.wait(10))
    assert started.wait(10)  # the running job does not count against the queue
    second = worker.submit(ran.append, "second")
    dropped = worker.submit(ran.append, "dropped")
    failing = worker.submit(lambda: 1 / 0)
    with pytest.raises(QueueFull) as full:
        worker.submit(ran.append, "too many")
    assert full.value.retry_after >= 1
    assert dropped.cancel()  # its client went away while it waited
    gate.set()
    assert first.result(10) is True and second.result(10) is None
    with pytest.raises(ZeroDivisionError):
        failing.result(10)
    assert ran == ["second"] and worker.skipped == 1
    worker.close()


def test_a_job_whose_client_hung_up_is_cancelled():
    from concurrent.futures import Future

    from gaugan.app.server import ClientGone, wait_for_job

    class GoneRequest:
        async def is_disconnected(self):
            return True

    future = Future()
    with pytest.raises(ClientGone):
        asyncio.run(wait_for_job(GoneRequest(), future, poll_s=0.01))
    assert future.cancelled()  # the worker will skip it


# ---------------------------------------------------------------- app.json and styles/
def test_app_json_is_checked(tmp_path):
    (tmp_path / "app.json").write_text('{"featured": [1, 1, 0], "background_class": 1}')
    settings = read_painter_settings(tmp_path, LABELS)
    assert settings.featured == (1, 0) and settings.default_class == 1 and settings.background_class == 1
    for bad, message in (('{"featured": [9]}', "featured must be a class id in 0..3, got 9"),
                         ('{"default_class": "sky"}', "default_class must be a class id"), ("[1, 2", "not readable JSON")):
        (tmp_path / "app.json").write_text(bad)
        with pytest.raises(AppConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
            read_painter_settings(tmp_path, LABELS)
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "broken.jpg").write_bytes(b"nope")
    with pytest.raises(AppConfigError, match="broken.jpg: not a readable PNG or JPEG"):
        load_style_presets(tmp_path)


# ---------------------------------------------------------------- the CLI
def test_serve_cli_options_default_model_and_backend(checkpoints, monkeypatch, capsys):
    import uvicorn

    import gaugan.default_model
    from gaugan.pipeline import Synthesizer as RealSynthesizer

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    assert main(["serve", str(checkpoints["plain"]), "--port", "8123"]) == 0
    app, options = calls[-1]
    assert options["host"] == "127.0.0.1" and options["port"] == 8123 and options["workers"] == 1
    assert "GauGAN painter: http://127.0.0.1:8123/" in capsys.readouterr().out

    def missing():
        raise FileNotFoundError("the embedded default model is missing from this install (somewhere)")
    monkeypatch.setattr(gaugan.default_model, "default_checkpoint", missing)
    assert main(["serve", "default"]) == 2
    assert "gaugan serve: the embedded default model is missing" in capsys.readouterr().err
    monkeypatch.setattr(gaugan.default_model, "embedded_models", lambda: [])
    assert main(["serve"]) == 2  # no argument and no embedded model
    assert "gaugan serve: the embedded default model is missing" in capsys.readouterr().err
    assert main(["serve", str(checkpoints["plain"] / "nope")]) == 2
    assert "checkpoint directory not found" in capsys.readouterr().err

    seen, original = [], RealSynthesizer.from_pretrained

    def from_pretrained(directory, **kwargs):
        seen.append(kwargs)
        return original(directory, **kwargs)
    monkeypatch.setattr(RealSynthesizer, "from_pretrained", staticmethod(from_pretrained))
    assert main(["serve", str(checkpoints["plain"])]) == 0
    assert main(["serve", str(checkpoints["plain"]), "--backend", "torch", "--host", "0.0.0.0"]) == 0
    assert seen[0]["backend"] == "auto" and seen[1]["backend"] == "torch"
    assert "other machines can reach this server" in capsys.readouterr().err


def test_serve_cli_takes_several_models_and_every_embedded_one_by_default(checkpoints, monkeypatch, capsys, tmp_path):
    import uvicorn

    import gaugan.default_model as registry

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(app))
    assert main(["serve", str(checkpoints["city"]), str(checkpoints["plain"])]) == 0
    assert list(calls[-1].state.models) == ["city", "plain"]  # in the order given: the first is the default
    assert "models: city, plain" in capsys.readouterr().out

    # The same checkpoint twice is a mistake; two folders that share a name get a suffix.
    assert main(["serve", str(checkpoints["plain"]), str(checkpoints["plain"])]) == 2
    assert "give each checkpoint once" in capsys.readouterr().err
    twin = shutil.copytree(checkpoints["plain"], tmp_path / "other" / "plain")
    assert main(["serve", str(checkpoints["plain"]), str(twin)]) == 0
    assert list(calls[-1].state.models) == ["plain", "plain-2"]
    assert main(["serve", str(checkpoints["plain"]), str(tmp_path / "nope")]) == 2  # checked before loading anything
    assert "checkpoint directory not found" in capsys.readouterr().err

    # No argument: every embedded model this install has, photographs first, with their descriptions.
    monkeypatch.setitem(registry.EMBEDDED_MODELS, "streets", checkpoints["city"])
    monkeypatch.setitem(registry.EMBEDDED_MODELS, "landscapes", checkpoints["plain"])
    assert main(["serve"]) == 0
    app = calls[-1]
    assert list(app.state.models) == ["streets", "landscapes"]
    with TestClient(app) as client:
        listed = client.get("/api/models").json()
    assert [m["description"] for m in listed] == [registry.DESCRIPTIONS["streets"], registry.DESCRIPTIONS["landscapes"]]
    assert main(["serve", "landscapes", "default"]) == 0 and list(calls[-1].state.models) == ["landscapes", "streets"]
    assert main(["serve", "streets", "default"]) == 2  # "default" is the streets model here
    assert "'default' names a model already given" in capsys.readouterr().err
