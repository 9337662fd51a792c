"""Access control (issue #18): with --token every API route needs 'Authorization: Bearer <token>'
(401 otherwise), the page and /healthz stay open, no CORS headers are sent, and binding beyond
loopback without a token warns. Checked through the ASGI app, the CLI, and a real `gaugan serve
--token` driven by Chromium."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from browser_helpers import CHROMIUM, FLAGS, result, settle
from fastapi.testclient import TestClient
from painter_helpers import TOKEN, layout, png_bytes

from gaugan.app.server import create_app
from gaugan.cli import main
from gaugan.pipeline import Synthesizer

ROUTES = [("get", "/api/models", {}), ("get", "/api/model", {}), ("get", "/api/styles/sunset", {}),
          ("get", "/api/examples/0", {}), ("post", "/api/labelmap", {"files": {"label_map": ("m.png", png_bytes(layout()), "image/png")}}),
          ("post", "/api/synthesize", {"files": {"label_map": ("m.png", png_bytes(layout()), "image/png")}})]


@pytest.fixture(scope="module")
def guarded(checkpoints):
    app = create_app(Synthesizer.from_pretrained(checkpoints["vae"]), name="vae", warm_up=False, token=TOKEN)
    with TestClient(app) as client:
        yield client


def test_every_api_route_needs_the_token_and_the_page_does_not(guarded):
    for method, path, extra in ROUTES:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):
            response = getattr(guarded, method)(path, headers=headers, **extra)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["www-authenticate"] == "Bearer"
            assert "Authorization: Bearer <token>" in response.json()["detail"]
        response = getattr(guarded, method)(path, headers={"Authorization": f"Bearer {TOKEN}"}, **extra)
        assert response.status_code in (200, 404), (path, response.text[:200])  # 404: the vae model has no examples
    assert guarded.get("/api/model", headers={"Authorization": f"Bearer {TOKEN}"}).json()["name"] == "vae"
    for open_path in ("/", "/static/app.js", "/healthz", "/openapi.json"):
        assert guarded.get(open_path).status_code == 200
    schema = guarded.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "401" in schema["paths"]["/api/synthesize"]["post"]["responses"]


def test_no_cross_origin_reads(guarded):
    headers = {"Origin": "https://evil.example", "Authorization": f"Bearer {TOKEN}"}
    response = guarded.get("/api/models", headers=headers)
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    preflight = guarded.options("/api/synthesize", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_serve_warns_beyond_loopback_without_a_token_and_prints_the_page_with_one(checkpoints, monkeypatch, capsys):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(app))
    monkeypatch.delenv("GAUGAN_TOKEN", raising=False)
    assert main(["serve", str(checkpoints["plain"]), "--host", "0.0.0.0"]) == 0
    assert "warning: no --token" in capsys.readouterr().err
    assert main(["serve", str(checkpoints["plain"]), "--host", "0.0.0.0", "--token", "abc"]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err and "http://0.0.0.0:8000/#token=abc" in captured.out
    assert TestClient(calls[-1]).get("/api/models").status_code == 401
    assert main(["serve", str(checkpoints["plain"]), "--token", "auto"]) == 0
    printed = capsys.readouterr().out.split("#token=")[1].split()[0]
    assert len(printed) >= 32
    assert TestClient(calls[-1]).get("/api/models", headers={"Authorization": f"Bearer {printed}"}).status_code == 200
    assert main(["serve", str(checkpoints["plain"]), "--token", ""]) == 2
    assert "the token must not be empty" in capsys.readouterr().err


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")
def test_the_page_takes_the_token_from_its_address(token_server):
    assert httpx.get(token_server + "/api/models").status_code == 401  # a real server, really guarded
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(token_server + "/")  # no token: the page says what to do
            page.wait_for_function("() => document.getElementById('status').textContent.includes('needs its token')")
            page.close()

            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(token_server + f"/#token={TOKEN}")
            page.wait_for_function("() => window.gaugan && gaugan.state.shownSeq > 0 && gaugan.idle()", timeout=30_000)
            settle(page)
            assert result(page).std() > 5  # a picture came back through the guarded API
            assert "#token" not in page.url  # moved out of the address bar
            page.select_option("#style-preset", "sunset")  # the thumbnail is fetched with the token too
            page.wait_for_function("() => document.getElementById('style-preview').src.startsWith('blob:')")
            settle(page)
            page.reload()  # the tab keeps the token
            page.wait_for_function("() => window.gaugan && gaugan.state.shownSeq > 0 && gaugan.idle()", timeout=30_000)
            assert np.asarray(result(page)).std() > 5
        finally:
            browser.close()
