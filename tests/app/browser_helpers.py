"""Shared by the browser tests: where Chromium is, how it is started, and how to read the page's picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from painter_helpers import SIZE

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

READ_RESULT = """async () => {
  const img = document.getElementById("result");
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data);
}"""


def settle(page) -> None:
    """Wait until the newest label map has been rendered (the app's own idle probe)."""
    page.wait_for_function("() => gaugan.idle()", timeout=30_000)
    assert page.evaluate("gaugan.state.shownSeq === gaugan.state.seq"), page.inner_text("#status")


def result(page, size=(SIZE, SIZE)) -> np.ndarray:
    return np.array(page.evaluate(READ_RESULT), np.int16).reshape(*size, 4)[..., :3]
