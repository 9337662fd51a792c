"""Tiny painter checkpoints (32-64 px, ngf 8) and a real `gaugan serve` process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from painter_helpers import TOKEN, build_checkpoint, build_city_checkpoint


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory) -> dict[str, Path]:
    """{"vae": checkpoint with encoder, app.json and two style presets, "plain": bare checkpoint,
    "city": another label set and size (64x32), with app.json and two examples}."""
    root = tmp_path_factory.mktemp("painter")
    return {"vae": build_checkpoint(root / "vae", True), "plain": build_checkpoint(root / "plain", False),
            "city": build_city_checkpoint(root / "city")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_process(arguments: list[str], log_path: Path):
    """Base URL of `gaugan serve ARGUMENTS --port P` in a subprocess (uvicorn, loopback), stopped after."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    for attempt in range(3):  # the free port may be taken between probing and binding
        port = free_port()
        log = open(log_path, "w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "gaugan.cli", "serve", *arguments, "--port", str(port), "--threads", "1", "--log-level", "warning"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        url = f"http://127.0.0.1:{port}"
        deadline, healthy = time.monotonic() + 120, False
        while not healthy and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    healthy = response.status == 200
            except OSError:
                time.sleep(0.2)
        if healthy:
            break
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    else:
        pytest.fail(f"gaugan serve did not start:\n{log_path.read_text()}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(checkpoints, tmp_path_factory):
    """Base URL of `gaugan serve <vae checkpoint> <city checkpoint>` in a subprocess (uvicorn, loopback)."""
    with serve_process([str(checkpoints["vae"]), str(checkpoints["city"])], tmp_path_factory.mktemp("serve") / "serve.log") as url:
        yield url


@pytest.fixture(scope="session")
def token_server(checkpoints, tmp_path_factory):
    """Base URL of `gaugan serve <vae checkpoint> --token TOKEN`."""
    with serve_process([str(checkpoints["vae"]), "--token", TOKEN], tmp_path_factory.mktemp("serve-token") / "serve.log") as url:
        yield url
