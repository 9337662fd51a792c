"""Load check of `gaugan serve`: single-request latency, then many concurrent clients.

Starts the server itself (`python -m gaugan.cli serve ...` on a free loopback port), then

1. sends ``--sequential`` requests one after another and reports the median latency (client
   side, and the server's own inference time from the X-Inference-Ms header);
2. runs ``--clients`` concurrent clients that each send ``--requests`` requests back to back
   (asyncio + httpx, one connection per client, ``--timeout`` seconds per request) and counts
   2xx, 503 (the bounded queue refusing work, deliberately), other 5xx (must be zero) and other
   failures, with p50 / p95 latency. ``--duration S`` makes it a soak: the clients keep sending
   until S seconds have passed, and the server's resident memory is reported before and after
   (a leak shows as growth that a longer soak keeps adding to).

The checkpoint is the embedded default model unless ``--checkpoint`` is given.
``--random-default`` builds a checkpoint with the default model's exact architecture
(configs/landscapes-128.yaml: 128x128 CLADE generator, ngf 24, style encoder, COCO-Stuff's 182
classes) and random weights: the same compute, for timing before the trained weights exist.

    python benchmarks/serve_load.py [--checkpoint DIR | --random-default] [--clients 50]
        [--requests 4] [--sequential 30] [--queue-size 8] [--threads N] [--backend fast]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 150  # single-request goal for the default model on a 2-core CPU


def build_random_default(directory: Path) -> Path:
    """A checkpoint shaped like the embedded default model (random weights) + its app.json."""
    import torch

    from gaugan.data import load_labelset
    from gaugan.landscapes.classes import GRASS, LANDSCAPE_CLASSES, SKY
    from gaugan.models import GauGAN
    from gaugan.models.factory import build_model
    from gaugan.train.config import resolve_config
    from gaugan.train.models import encoder_config, generator_config

    torch.manual_seed(0)
    config = resolve_config(config_file=REPO / "configs" / "landscapes-128.yaml")
    coco = load_labelset("coco-stuff")
    labels = type(coco)(names=coco.names, colors=coco.colors, dataset="coco-stuff")  # no don't-care, no edges
    generator = build_model(generator_config(config, labels))
    encoder = build_model(encoder_config(config)) if config.use_vae else None
    GauGAN(generator, labels, encoder).save_pretrained(directory)
    app = {"featured": list(LANDSCAPE_CLASSES), "default_class": GRASS, "background_class": SKY}
    (directory / "app.json").write_text(json.dumps(app))
    return directory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(checkpoint: Path, args: argparse.Namespace, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "gaugan.cli", "serve", str(checkpoint), "--port", str(port),
               "--queue-size", str(args.queue_size), "--log-level", "warning"]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.backend:
        command += ["--backend", args.backend]
    proc = subprocess.Popen(command, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gaugan serve exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            health = httpx.get(url + "/healthz", timeout=2).json()
            if health["completed"] >= 1:  # the start-up warm-up forward is done
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"gaugan serve did not become healthy in 180 s:\n{log_path.read_text()}")


def label_maps(model: dict, count: int = 8) -> list[bytes]:
    """Landscape-like class-id PNGs: sky, a ridge of one class, a band of another, ground below."""
    rng = np.random.default_rng(0)
    h, w = model["height"], model["width"]
    ids = model["featured"] or [c["id"] for c in model["classes"]]
    maps = []
    for _ in range(count):
        sky, ridge, band, ground = (int(v) for v in rng.choice(ids, 4))
        rows = np.arange(h)[:, None]
        ridge_top = (0.35 + 0.1 * np.sin(np.arange(w) / w * rng.uniform(3, 9) + rng.uniform(0, 6))) * h
        layout = np.full((h, w), sky, np.uint8)
        layout[rows >= ridge_top[None, :]] = ridge
        layout[int(0.6 * h):] = band
        layout[int(0.8 * h):] = ground
        buffer = io.BytesIO()
        Image.fromarray(layout).save(buffer, format="PNG")
        maps.append(buffer.getvalue())
    return maps


def post(client: httpx.Client | httpx.AsyncClient, url: str, png: bytes, seed: int):
    return client.post(url + "/api/synthesize", files={"label_map": ("map.png", png, "image/png")}, data={"seed": str(seed)})


def sequential(url: str, maps: list[bytes], n: int) -> tuple[list[float], list[float]]:
    latencies, inference = [], []
    with httpx.Client(timeout=60) as client:
        for i in range(n):
            start = time.perf_counter()
            response = post(client, url, maps[i % len(maps)], i)
            latencies.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
            inference.append(float(response.headers["X-Inference-Ms"]))
    return latencies, inference


def resident_mib(pid: int) -> float:
    """The process's resident set size (VmRSS) in MiB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def concurrent(url: str, maps: list[bytes], clients: int, requests: int, timeout: float,
                     duration: float | None = None) -> list[tuple[str, float]]:
    """(outcome, ms) per request; outcome is the status code as text, or the exception's name.

    Each client sends ``requests`` requests, or, with ``duration``, as many as fit in that many seconds.
    """
    results: list[tuple[str, float]] = []
    start_gate = asyncio.Event()

    def more(r: int, deadline: float) -> bool:
        return time.monotonic() < deadline if duration else r < requests

    async def one_client(k: int) -> None:
        async with httpx.AsyncClient(timeout=timeout) as client:
            await start_gate.wait()
            deadline, r = time.monotonic() + (duration or 0), 0
            while more(r, deadline):
                r += 1
                start = time.perf_counter()
                try:
                    response = await post(client, url, maps[(k + r) % len(maps)], k * 100_000 + r)
                    outcome = str(response.status_code)
                except httpx.HTTPError as err:
                    outcome = type(err).__name__
                results.append((outcome, (time.perf_counter() - start) * 1000))

    tasks = [asyncio.create_task(one_client(k)) for k in range(clients)]
    await asyncio.sleep(0.2)  # let every client open its client object first
    start_gate.set()
    await asyncio.gather(*tasks)
    return results


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--checkpoint", help="checkpoint directory (default: the embedded default model)")
    source.add_argument("--random-default", action="store_true", help="random weights in the default model's architecture")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=4, help="requests per client")
    parser.add_argument("--sequential", type=int, default=30, help="sequential requests for the single-request latency")
    parser.add_argument("--queue-size", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--threads", type=int, help="server's torch threads")
    parser.add_argument("--backend", help="server's --backend")
    parser.add_argument("--duration", type=float, help="soak: clients send until this many seconds have passed")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="serve_load_"))
    if args.random_default:
        checkpoint = build_random_default(work / "random-default")
    elif args.checkpoint:
        checkpoint = Path(args.checkpoint)
    else:
        from gaugan.default_model import default_checkpoint

        try:
            checkpoint = default_checkpoint()
        except FileNotFoundError as err:
            raise SystemExit(f"{err}\n(or measure the same architecture with --random-default)") from None

    proc, url = start_server(checkpoint, args, work / "serve.log")
    try:
        model = httpx.get(url + "/api/model").json()
        maps = label_maps(model)
        single, inference = sequential(url, maps, args.sequential)
        rss_before = resident_mib(proc.pid)
        wall = time.perf_counter()
        results = asyncio.run(concurrent(url, maps, args.clients, args.requests, args.timeout, args.duration)) if args.clients else []
        wall = time.perf_counter() - wall
        rss_after = resident_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)

    ok = [ms for outcome, ms in results if outcome.startswith("2")]
    refused = [ms for outcome, ms in results if outcome == "503"]
    server_errors = [o for o, _ in results if o.startswith("5") and o != "503"]
    other = [o for o, _ in results if not o.startswith(("2", "5"))]
    print(f"checkpoint: {checkpoint} ({model['width']}x{model['height']}, {len(model['classes'])} classes, "
          f"encoder {model['has_encoder']}); queue size {args.queue_size}; CPU threads {os.cpu_count()}")
    print()
    print("| single request (sequential) | median | p90 |")
    print("|---|---|---|")
    print(f"| client latency, ms (n={len(single)}) | {statistics.median(single):.1f} | {percentile(single, 90):.1f} |")
    print(f"| server inference, ms | {statistics.median(inference):.1f} | {percentile(inference, 90):.1f} |")
    print()
    load = f"{args.clients} clients for {wall:.0f} s" if args.duration else f"{args.clients} clients x {args.requests} requests"
    print(f"| {load} | count |")
    print("|---|---|")
    print(f"| requests | {len(results)} |")
    print(f"| 2xx | {len(ok)} |")
    print(f"| 503 (queue full, deliberate) | {len(refused)} |")
    print(f"| other 5xx (must be 0) | {len(server_errors)} |")
    print(f"| other failures (4xx, timeouts) | {len(other)} {sorted(set(other)) or ''} |")
    print(f"| 2xx latency p50 / p95, ms | {percentile(ok, 50):.0f} / {percentile(ok, 95):.0f} |")
    print(f"| 503 latency p50 / p95, ms | {percentile(refused, 50):.0f} / {percentile(refused, 95):.0f} |")
    print(f"| throughput, pictures/s | {len(ok) / max(wall, 1e-9):.1f} |")
    print(f"| server RSS before / after, MiB | {rss_before:.0f} / {rss_after:.0f} ({rss_after - rss_before:+.0f}) |")
    verdict = "meets" if statistics.median(single) < TARGET_MS else "misses"
    print(f"\nsingle-request median {statistics.median(single):.1f} ms {verdict} the {TARGET_MS} ms target")
    return 1 if server_errors or other else 0


if __name__ == "__main__":
    sys.exit(main())
