"""`gaugan weights fetch|add|list` against a local HTTP server (127.0.0.1 only; nothing else is contacted)."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import random
import re
import threading
from pathlib import Path

import pytest
import torch

from gaugan.cli import main
from gaugan.weight_files import (
    REGISTRY,
    IncompleteDownload,
    VerificationError,
    WeightFile,
    WeightFileInvalid,
    fetch,
    install,
    status,
)

PAYLOAD = random.Random(0).randbytes(200_000)
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


class _WeightServer(http.server.ThreadingHTTPServer):
    """Serves ``payload`` at every path. Modes: normal, truncated (announces the full length, sends
    half and closes), corrupted (other bytes of the same length), ignore_range (always 200)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.payload = PAYLOAD
        self.mode = "normal"
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/weights.pth"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _WeightServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        server = self.server
        wanted = self.headers.get("Range")
        server.requests.append((self.path, wanted))
        body = bytes(b ^ 0x5A for b in server.payload) if server.mode == "corrupted" else server.payload
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", wanted or "")
        if match and server.mode != "ignore_range":
            start = int(match[1])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        chunk = body[start:]
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        self.wfile.write(chunk[: len(chunk) // 2] if server.mode == "truncated" else chunk)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Never the real ~/.cache, never a proxy, no loader overrides from the environment."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GAUGAN_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("GAUGAN_INCEPTION_WEIGHTS", "GAUGAN_VGG19_WEIGHTS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture
def server():
    srv = _WeightServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def _starts_with_payload_header(path: Path) -> None:
    if Path(path).read_bytes()[:4] != PAYLOAD[:4]:
        raise WeightFileInvalid(f"{path} does not start like the test payload")


def _test_entry(server: _WeightServer, **changes) -> WeightFile:
    entry = WeightFile(name="tiny", filename="tiny-weights.pth", url=server.url, purpose="tests", size=len(PAYLOAD),
                       validate=_starts_with_payload_header, sha256=PAYLOAD_SHA256)
    return dataclasses.replace(entry, **changes)


def test_registry_agrees_with_the_loaders():
    from gaugan.eval import inception
    from gaugan.nn import vgg19

    assert REGISTRY["inception"].filename == inception.INCEPTION_FILE_NAME
    assert REGISTRY["vgg19"].filename == vgg19.VGG19_FILE_NAME
    assert REGISTRY["inception"].env_var == inception.INCEPTION_ENV_VAR
    assert REGISTRY["vgg19"].env_var == vgg19.VGG19_ENV_VAR
    # torch.hub's convention: the name carries the first 8 hex digits of the SHA-256.
    assert REGISTRY["inception"].sha256_prefix == "6726825d" and REGISTRY["vgg19"].sha256_prefix == "dcbb9e9d"
    assert REGISTRY["inception"].url.endswith("/" + inception.INCEPTION_FILE_NAME)
    assert REGISTRY["vgg19"].url == "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
    with pytest.raises(ValueError, match="sha256 or sha256_prefix"):
        WeightFile("x", "x.pth", "http://127.0.0.1/x", "p", 1, validate=lambda p: None)


def test_cache_dir_is_read_at_call_time(tmp_path, monkeypatch):
    from gaugan.cache import cache_dir
    from gaugan.eval.inception import InceptionWeightsMissing, resolve_inception_weights

    monkeypatch.setenv("GAUGAN_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"
    with pytest.raises(InceptionWeightsMissing) as err:
        resolve_inception_weights()
    message = str(err.value)
    assert str(tmp_path / "elsewhere" / "pt_inception-2015-12-05-6726825d.pth") in message
    assert "gaugan weights fetch inception" in message and "gaugan weights add FILE" in message
    monkeypatch.delenv("GAUGAN_CACHE_DIR")
    assert cache_dir() == tmp_path / "home" / ".cache" / "gaugan"


@pytest.fixture(scope="module")
def valid_vgg19_bytes(tmp_path_factory) -> bytes:
    """A file VGG19Features.from_file accepts: its tensor names and shapes (fp16 zeros, ~40 MB)."""
    from gaugan.nn.vgg19 import VGG19Features

    state = {key: torch.zeros(value.shape, dtype=torch.float16) for key, value in VGG19Features().state_dict().items()}
    path = tmp_path_factory.mktemp("vgg") / "vgg.pth"
    torch.save(state, path)
    return path.read_bytes()


def test_fetch_lands_where_the_loader_looks(server, tmp_path, valid_vgg19_bytes):
    from gaugan.nn.vgg19 import VGG19Features, resolve_vgg19_weights

    server.payload = valid_vgg19_bytes
    digest = hashlib.sha256(valid_vgg19_bytes).hexdigest()
    # The real entry and its real structural check, with the served file's digest.
    entry = dataclasses.replace(REGISTRY["vgg19"], url=server.url, sha256=digest, sha256_prefix=None)
    result = fetch(entry, progress=False)
    assert result.action == "downloaded" and result.sha256 == digest
    assert result.path == tmp_path / "cache" / "vgg19-dcbb9e9d.pth" == resolve_vgg19_weights()
    assert result.path.read_bytes() == valid_vgg19_bytes
    assert result.path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in result.path.parent.iterdir()) == ["vgg19-dcbb9e9d.pth"]
    model = VGG19Features.from_file()  # the default location, through $GAUGAN_CACHE_DIR
    assert model.features[28].weight.abs().sum().item() == 0
    # A second fetch finds the good file and downloads nothing.
    assert fetch(entry, progress=False).action == "already present" and len(server.requests) == 1


def test_truncated_download_is_kept_and_resumed_with_a_range_request(server, tmp_path):
    entry = _test_entry(server)
    server.mode = "truncated"
    with pytest.raises(IncompleteDownload) as err:
        fetch(entry, tmp_path / "w", progress=False, timeout=10)
    half = len(PAYLOAD) // 2
    message = str(err.value)
    assert "resume" in message and server.url in message and f"{half} of {len(PAYLOAD)} bytes" in message
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["tiny-weights.pth.part"]
    assert (tmp_path / "w" / "tiny-weights.pth.part").read_bytes() == PAYLOAD[:half]
    assert status(entry, tmp_path / "w").state == "missing"

    server.mode = "normal"
    result = fetch(entry, tmp_path / "w", progress=False)
    assert server.requests[-1][1] == f"bytes={half}-"
    assert result.action == "resumed" and result.sha256 == PAYLOAD_SHA256
    assert (tmp_path / "w" / "tiny-weights.pth").read_bytes() == PAYLOAD
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["tiny-weights.pth"]


def test_corrupted_download_is_refused_and_leaves_nothing(server, tmp_path):
    entry = _test_entry(server)
    server.mode = "corrupted"
    with pytest.raises(VerificationError) as err:
        fetch(entry, tmp_path / "w", progress=False)
    message = str(err.value)
    assert PAYLOAD_SHA256 in message and hashlib.sha256(bytes(b ^ 0x5A for b in PAYLOAD)).hexdigest() in message
    assert server.url in message
    assert list((tmp_path / "w").iterdir()) == []

    # A good file already in place survives a forced re-download that turns out wrong.
    server.mode = "normal"
    fetch(entry, tmp_path / "w", progress=False)
    server.mode = "corrupted"
    with pytest.raises(VerificationError):
        fetch(entry, tmp_path / "w", progress=False, force=True)
    assert (tmp_path / "w" / "tiny-weights.pth").read_bytes() == PAYLOAD
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["tiny-weights.pth"]


def test_right_digest_but_wrong_structure_is_refused(server, tmp_path):
    # The digest check passes (it is the served file's), the structural check must still refuse.
    entry = _test_entry(server, validate=REGISTRY["vgg19"].validate)
    with pytest.raises(VerificationError, match="not usable as the tiny weights: .*not a loadable VGG19 state dict"):
        fetch(entry, tmp_path / "w", progress=False)
    assert list((tmp_path / "w").iterdir()) == []


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    entry = _test_entry(server)
    part = tmp_path / "w" / "tiny-weights.pth.part"
    part.parent.mkdir()
    part.write_bytes(b"stale bytes of some other download")
    server.mode = "ignore_range"
    result = fetch(entry, tmp_path / "w", progress=False)
    assert server.requests[-1][1] == f"bytes={len(b'stale bytes of some other download')}-"
    assert result.action == "downloaded" and result.sha256 == PAYLOAD_SHA256
    assert (tmp_path / "w" / "tiny-weights.pth").read_bytes() == PAYLOAD
    assert not part.exists()


def test_add_refuses_a_wrong_file_and_installs_a_right_one(server, tmp_path):
    entry = _test_entry(server)
    wrong = tmp_path / "wrong.pth"
    wrong.write_bytes(PAYLOAD[:-1])
    with pytest.raises(VerificationError, match=f"{re.escape(str(wrong))}: SHA-256 mismatch .*expected {PAYLOAD_SHA256}"):
        install(entry, wrong, tmp_path / "w")
    assert list((tmp_path / "w").iterdir()) == []

    right = tmp_path / "downloaded by hand.pth"
    right.write_bytes(PAYLOAD)
    result = install(entry, right, tmp_path / "w")
    assert result.action == "installed" and result.sha256 == PAYLOAD_SHA256
    assert result.path == tmp_path / "w" / "tiny-weights.pth" and result.path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["tiny-weights.pth"]
    assert server.requests == []


def test_status_reports_missing_present_and_damaged(server, tmp_path):
    entry = _test_entry(server)
    assert status(entry, tmp_path).state == "missing"
    (tmp_path / "tiny-weights.pth").write_bytes(PAYLOAD)
    present = status(entry, tmp_path)
    assert (present.state, present.size, present.sha256) == ("present", len(PAYLOAD), PAYLOAD_SHA256)
    (tmp_path / "tiny-weights.pth").write_bytes(PAYLOAD[:1000])
    damaged = status(entry, tmp_path)
    assert damaged.state == "damaged" and "size" in damaged.detail and "sha256" in damaged.detail
    assert status(entry, tmp_path, check_digest=False).state == "damaged"
    prefix_only = _test_entry(server, sha256=None, sha256_prefix=PAYLOAD_SHA256[:8])
    (tmp_path / "tiny-weights.pth").write_bytes(PAYLOAD)
    assert status(prefix_only, tmp_path).detail == "sha256 prefix ok"


def test_cli_fetch_of_wrong_bytes_fails_naming_the_canonical_prefix(server, tmp_path, capsys):
    target = tmp_path / "weights"
    target.mkdir()
    code = main(["weights", "fetch", "inception", "--url", server.url, "--dir", str(target)])
    assert code == 1
    captured = capsys.readouterr()
    assert "6726825d" in captured.err and server.url in captured.err and PAYLOAD_SHA256 in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert list(target.iterdir()) == []


def test_cli_list_add_and_usage_errors(server, tmp_path, capsys):
    target = tmp_path / "weights"
    assert main(["weights", "list", "--dir", str(target)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["NAME", "FILE", "STATUS", "SIZE"]
    assert re.search(r"^inception\s+pt_inception-2015-12-05-6726825d\.pth\s+missing", out, re.M)
    assert re.search(r"^vgg19\s+vgg19-dcbb9e9d\.pth\s+missing", out, re.M)

    # A file under the canonical name but with the wrong bytes: recognised by name, refused by digest.
    fake = tmp_path / "vgg19-dcbb9e9d.pth"
    fake.write_bytes(PAYLOAD)
    assert main(["weights", "add", str(fake), "--dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert "dcbb9e9d" in err and str(fake) in err
    assert list(target.iterdir()) == []

    # A damaged copy placed by hand shows up as such.
    (target / "vgg19-dcbb9e9d.pth").write_bytes(PAYLOAD)
    assert main(["weights", "list", "--dir", str(target)]) == 0
    assert re.search(r"^vgg19\s+\S+\s+damaged \(sha256 ", capsys.readouterr().out, re.M)

    unnamed = tmp_path / "weights.bin"
    unnamed.write_bytes(PAYLOAD)
    assert main(["weights", "add", str(unnamed), "--dir", str(target)]) == 2
    assert "--as" in capsys.readouterr().err
    assert main(["weights", "add", str(tmp_path / "absent.pth"), "--as", "vgg19", "--dir", str(target)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["weights", "fetch", "all", "--url", server.url, "--dir", str(target)]) == 2
    assert "one NAME" in capsys.readouterr().err
    assert server.requests == []


def test_cli_list_shows_a_present_file(tmp_path, capsys, monkeypatch):
    # status() needs no model: a prefix-only entry whose prefix fits these bytes counts as present.
    data = b"x" * 1000
    digest = hashlib.sha256(data).hexdigest()
    fake_vgg = dataclasses.replace(REGISTRY["vgg19"], sha256_prefix=digest[:8], size=len(data))
    monkeypatch.setitem(REGISTRY, "vgg19", fake_vgg)
    (tmp_path / "vgg19-dcbb9e9d.pth").write_bytes(data)
    assert main(["weights", "list", "--dir", str(tmp_path)]) == 0
    assert re.search(r"^vgg19\s+vgg19-dcbb9e9d\.pth\s+present \(sha256 prefix ok\)\s+1000 B\s+" + re.escape(str(tmp_path)),
                     capsys.readouterr().out, re.M)


def test_partial_file_past_the_end_is_dropped_and_downloaded_anew(server, tmp_path):
    # A .part as long as the file (a run stopped before its check): the server answers 416, we start over.
    entry = _test_entry(server)
    part = tmp_path / "tiny-weights.pth.part"
    part.write_bytes(bytes(len(PAYLOAD)))
    result = fetch(entry, tmp_path, progress=False)
    assert [r[1] for r in server.requests] == [f"bytes={len(PAYLOAD)}-", None]
    assert result.sha256 == PAYLOAD_SHA256 and not part.exists()
