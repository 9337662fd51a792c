"""The painter page in real Chromium (Debian's /usr/bin/chromium, driven by Playwright), against `gaugan serve`.

Paints with the mouse and keyboard as a user would: two classes, a fill, a line that is undone,
then generates; checks the canvas holds only palette colours, the picture is not blank and changes
where another class was painted, and saves a screenshot to tests/artifacts/painter.png.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from painter_helpers import GRASS, LABELS, SEA, SIZE, SKY, TREE
from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)"
)

READ_RESULT = """async () => {
  const img = document.getElementById("result");
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data);
}"""
READ_LABEL_COLOURS = """() => {
  const c = document.getElementById("labels");
  return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
}"""


@pytest.fixture(scope="module")
def page(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live_server + "/")
        page.wait_for_function("() => window.gaugan && gaugan.state.shownSeq > 0 && gaugan.idle()", timeout=30_000)
        yield page
        browser.close()
    deliberate = "status of 422"  # the bad label map upload in the second test
    assert [e for e in errors if deliberate not in e] == [], errors  # no script errors, no CSP violations


def settle(page) -> None:
    """Wait until the newest label map has been rendered (the app's own idle probe)."""
    page.wait_for_function("() => gaugan.idle()", timeout=30_000)
    assert page.evaluate("gaugan.state.shownSeq === gaugan.state.seq"), page.inner_text("#status")


def result(page) -> np.ndarray:
    return np.array(page.evaluate(READ_RESULT), np.int16).reshape(SIZE, SIZE, 4)[..., :3]


def ids(page) -> np.ndarray:
    return np.array(page.evaluate("Array.from(gaugan.state.painter.ids)"), np.uint8).reshape(SIZE, SIZE)


def at(page, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of the centre of canvas pixel (x, y)."""
    box = page.locator("#labels").bounding_box()
    return box["x"] + (x + 0.5) * box["width"] / SIZE, box["y"] + (y + 0.5) * box["height"] / SIZE


def drag(page, start, end) -> None:
    page.mouse.move(*at(page, *start))
    page.mouse.down()
    page.mouse.move(*at(page, *end), steps=12)
    page.mouse.up()


def test_paint_fill_undo_and_generate(page):
    assert page.locator("#labels").bounding_box()["width"] >= 4 * SIZE  # shown enlarged
    assert (ids(page) == SKY).all()  # app.json's background class
    assert page.inner_text("#current-name") == "grass"  # app.json's default class
    featured = page.locator("#featured-list .swatch").all_inner_texts()
    assert [t.split("\n")[0] for t in featured] == ["grass", "sky", "sea"]

    # A band of sea with the brush (palette click, size via "]"), then grass filled below it.
    page.locator("#featured-list .swatch", has_text="sea").click()
    page.keyboard.press("b")
    for _ in range(4):
        page.keyboard.press("]")
    size = int(page.input_value("#brush-size"))
    drag(page, (0, 44), (SIZE + 4, 44))  # the stroke goes on off the canvas
    page.keyboard.press("1")  # featured class 1: grass
    page.keyboard.press("f")
    page.mouse.click(*at(page, 10, SIZE - 2))
    settle(page)
    painted = ids(page)
    assert (painted[44 - size // 2 + 1: 44 + size // 2 - 1] == SEA).all()
    assert (painted[SIZE - 4:] == GRASS).all() and (painted[:20] == SKY).all()
    before = result(page)
    assert before.std() > 5  # not blank

    # The second class, found through the search box: a tree stroke into the sky.
    page.fill("#class-search", "tre")
    assert page.locator(".swatch:visible").all_inner_texts() == ["tree"]
    page.fill("#class-search", "")
    page.locator("#class-list .swatch", has_text="tree").click()  # moves the focus off the search box
    page.keyboard.press("b")
    drag(page, (6, 10), (40, 10))
    settle(page)
    with_tree = ids(page)
    tree = with_tree == TREE
    assert tree.sum() > 200 and set(np.unique(with_tree)) == {SKY, SEA, GRASS, TREE}
    after = result(page)
    diff = np.abs(after - before).sum(-1)
    assert diff[tree].mean() > 3 * max(diff[~tree & (np.arange(SIZE)[:, None] > 36)].mean(), 0.5)

    # A straight line, undone with Ctrl+Z and redone with Ctrl+Y, then undone again.
    page.keyboard.press("l")
    drag(page, (0, 30), (SIZE - 1, 0))
    assert not np.array_equal(ids(page), with_tree)
    page.keyboard.press("Control+z")
    assert np.array_equal(ids(page), with_tree)
    page.keyboard.press("Control+y")
    assert not np.array_equal(ids(page), with_tree)
    page.keyboard.press("Control+Shift+z")  # nothing left to redo: no change
    page.keyboard.press("Control+z")
    assert np.array_equal(ids(page), with_tree)

    # Generate (button), same labels and seed: the same picture as before the line.
    page.click("#generate")
    settle(page)
    assert np.array_equal(result(page), after)

    # Every canvas pixel is exactly one class colour: no antialiasing anywhere.
    rgba = np.array(page.evaluate(READ_LABEL_COLOURS), np.uint8).reshape(SIZE, SIZE, 4)
    palette = np.array(LABELS.colors, np.uint8)
    assert (rgba[..., 3] == 255).all() and np.array_equal(rgba[..., :3], palette[with_tree])

    # The eyedropper picks the class under the cursor; the dice changes the seed and the picture.
    page.keyboard.press("i")
    page.mouse.click(*at(page, 30, 44))
    assert page.inner_text("#current-name") == "sea"
    seed = page.input_value("#seed")
    page.keyboard.press("d")
    settle(page)
    assert page.input_value("#seed") != seed and np.abs(result(page) - after).mean() > 1

    # Both downloads: the label map as exact palette colours, the picture as shown.
    with page.expect_download() as download:
        page.click("#download-labels")
    saved = np.asarray(Image.open(download.value.path()).convert("RGB"))
    assert np.array_equal(saved, palette[with_tree])
    with page.expect_download() as download:
        page.click("#download-result")
    assert download.value.suggested_filename == f"gaugan_seed{page.input_value('#seed')}.png"
    assert np.array_equal(np.asarray(Image.open(download.value.path()).convert("RGB"), np.int16), result(page))

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "painter.png"), full_page=True)


def test_style_preset_upload_errors_and_help(page, tmp_path):
    settle(page)
    plain = result(page)
    page.select_option("#style-preset", "sunset")
    settle(page)
    assert page.is_visible("#style-preview") and np.abs(result(page) - plain).mean() > 0.5
    page.click("#style-clear")
    settle(page)

    # A label map file with an unknown colour: the server's message shows in the status line.
    bad = tmp_path / "bad.png"
    Image.fromarray(np.full((SIZE, SIZE, 3), (1, 2, 3), np.uint8)).save(bad)
    page.set_input_files("#upload-labels", str(bad))
    page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
    assert "(1, 2, 3)" in page.inner_text("#status")
    good = tmp_path / "good.png"
    layout = np.full((SIZE, SIZE), SEA, np.uint8)
    layout[:20] = SKY
    Image.fromarray(layout).save(good)
    page.set_input_files("#upload-labels", str(good))
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('loaded')")
    assert np.array_equal(ids(page), layout)
    settle(page)

    help_text = page.inner_text(".help")
    for key in ("B", "L", "F", "I", "Ctrl+Z", "Ctrl+Y", "D"):
        assert key in help_text
