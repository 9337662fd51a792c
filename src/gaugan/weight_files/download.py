"""Fetch, install and check the weight files of `gaugan.weight_files.registry` (standard library only).

``fetch`` streams the file into ``<target>.part`` beside the target, resuming an existing
``.part`` with an HTTP ``Range: bytes=N-`` request (a server that answers 200 instead of 206
gets the download started over). When the bytes are all there, the file is checked: its SHA-256
against the registry (the full digest when recorded, else the recorded prefix, see the registry's
docstring) AND a load with the model's own loader (right tensor names and shapes). Only then is it
renamed into place (atomic, mode 0644). A refused file leaves nothing behind: no target and no
``.part``; a file already in place stays as it was. A connection cut short keeps the ``.part`` so
that the next ``fetch`` resumes it.

``install`` does the same checks for a file the user already has and copies it into place;
``status`` reports what is in a directory without changing anything.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from gaugan.cache import cache_dir
from gaugan.weight_files.registry import WeightFile

DEFAULT_TIMEOUT = 60.0  # seconds without a byte from the server (per socket operation)
CHUNK_SIZE = 1 << 20
# Without hashing, `status` calls a file damaged when its size is this far from the recorded one.
SIZE_TOLERANCE = 0.10


class WeightFileError(Exception):
    """Base of the errors below; the message is one line naming the file or URL."""


class DownloadError(WeightFileError):
    """The server could not be reached or answered with an error; a ``.part`` file is kept if any."""


class IncompleteDownload(DownloadError):
    """The connection ended before the last byte; the ``.part`` file is kept for resuming."""


class VerificationError(WeightFileError):
    """The bytes are not the expected file (digest or structure); nothing was left in place."""


@dataclass(frozen=True)
class Result:
    """What `fetch` / `install` did: ``action`` is downloaded, resumed, already present or installed."""

    path: Path
    sha256: str
    action: str


@dataclass(frozen=True)
class Status:
    """One line of ``gaugan weights list``: ``state`` is present, missing or damaged."""

    entry: WeightFile
    path: Path
    state: str
    size: int | None
    detail: str
    sha256: str | None


def weights_dir(dest_dir: str | os.PathLike | None = None) -> Path:
    """``dest_dir`` (``~`` expanded), else the cache directory the loaders look in."""
    return Path(dest_dir).expanduser() if dest_dir else cache_dir()


def part_path(target: Path) -> Path:
    return target.with_name(target.name + ".part")


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(block)
    return digest.hexdigest()


def human_size(size: int | float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def verify(entry: WeightFile, path: str | os.PathLike, *, label: str | None = None) -> str:
    """Check ``path`` is ``entry``'s file: SHA-256 (full or prefix), then a load with the model's loader.

    Returns the full hex digest; raises `VerificationError` naming ``label`` (default: the path)
    and, for a digest mismatch, the expected and actual digests.
    """
    path = Path(path)
    label = label or str(path)
    digest = sha256_file(path)
    if not entry.digest_matches(digest):
        raise VerificationError(
            f"{label}: SHA-256 mismatch for {entry.name} ({entry.filename}): expected "
            + (entry.sha256 if entry.sha256 else f"a digest starting {entry.sha256_prefix}")
            + f", got {digest}"
        )
    try:
        entry.validate(path)
    except Exception as err:  # any failure to load means: not this file
        message = " ".join(str(err).replace(str(path), label).split())  # torch's messages span lines
        if len(message) > 400:
            message = message[:400] + "..."
        raise VerificationError(f"{label}: not usable as the {entry.name} weights: {message}") from None
    return digest


def fetch(
    entry: WeightFile,
    dest_dir: str | os.PathLike | None = None,
    *,
    url: str | None = None,
    force: bool = False,
    progress: bool | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Result:
    """Download ``entry`` (from ``url``, a mirror, else the registry's address) into ``dest_dir``.

    Without ``force`` a file already in place that passes `verify` is kept as it is (action
    "already present"). ``force`` downloads anew from the first byte (dropping any ``.part``); the
    old file is replaced only once the new one has passed `verify`. ``progress``: a tqdm bar on
    stderr (None: only when stderr is a terminal).
    """
    source = url or entry.url
    directory = weights_dir(dest_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / entry.filename
    part = part_path(target)
    if target.is_file() and not force:
        try:
            return Result(target, verify(entry, target), "already present")
        except VerificationError:
            pass  # damaged: download it again; it is replaced only by a file that passes
    if force:
        part.unlink(missing_ok=True)
    resumed = _download(source, part, name=entry.name, progress=progress, timeout=timeout)
    try:
        digest = verify(entry, part, label=source)
    except VerificationError:
        part.unlink(missing_ok=True)  # wrong bytes: nothing to resume
        raise
    os.chmod(part, 0o644)
    os.replace(part, target)
    return Result(target, digest, "resumed" if resumed else "downloaded")


def _download(url: str, part: Path, *, name: str, progress: bool | None, timeout: float) -> bool:
    """Bring ``part`` to the complete file; True when an existing ``.part`` was continued."""
    from gaugan import __version__

    opener = urllib.request.build_opener()  # built per call: proxy settings are read from the environment now
    for _attempt in range(3):
        offset = part.stat().st_size if part.is_file() else 0
        headers = {"User-Agent": f"gaugan/{__version__} (weights fetch)"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        request = urllib.request.Request(url, headers=headers)
        kept = f"; the partial file {part} is kept for the next fetch to resume" if offset else ""
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as err:
            err.close()
            if err.code == 416 and offset:  # our .part is at or past the end of the file: start over
                part.unlink()
                continue
            raise DownloadError(f"{url}: HTTP {err.code} {err.reason}{kept}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", None) or err
            raise DownloadError(f"could not download {url}: {reason}{kept}") from None
        with response:
            status = getattr(response, "status", None) or 200  # file:// answers without a status
            length = response.headers.get("Content-Length")
            length = int(length) if length and length.isdigit() else None
            if status == 206:
                start, total = _parse_content_range(response.headers.get("Content-Range"))
                if start != offset:  # not the range we asked for: start over
                    part.unlink(missing_ok=True)
                    continue
                if total is None and length is not None:
                    total = offset + length
                mode = "ab"
            elif 200 <= status < 300:
                offset, total, mode = 0, length, "wb"  # a full answer (Range ignored): start over
            else:
                raise DownloadError(f"{url}: unexpected HTTP status {status}{kept}")
            _stream(response, part, mode=mode, offset=offset, total=total, url=url, name=name, progress=progress)
        return mode == "ab"
    raise DownloadError(f"{url}: the server's answers to range requests do not fit the partial file; giving up")


def _parse_content_range(value: str | None) -> tuple[int | None, int | None]:
    """``bytes 100-199/200`` -> (100, 200); total None for ``/*``; (None, None) if unreadable."""
    match = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", value or "")
    if not match:
        return None, None
    return int(match[1]), (int(match[3]) if match[3] != "*" else None)


def _stream(response, part: Path, *, mode: str, offset: int, total: int | None, url: str, name: str,
            progress: bool | None) -> None:
    from tqdm.auto import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    received = offset
    failure: BaseException | None = None
    with open(part, mode) as out, tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                                        desc=part.name[: -len(".part")], disable=not show, file=sys.stderr) as bar:
        try:
            while True:
                block = response.read(CHUNK_SIZE)
                if not block:
                    break
                out.write(block)
                received += len(block)
                bar.update(len(block))
        except (OSError, http.client.HTTPException) as err:  # reset, timeout, incomplete chunked body
            failure = err
        out.flush()
        os.fsync(out.fileno())
    if failure is not None or (total is not None and received < total):
        why = f": {failure}" if failure is not None and str(failure) else ""
        of_total = f" of {total}" if total is not None else ""
        raise IncompleteDownload(
            f"{url}: the download was cut short after {received}{of_total} bytes{why}; the partial file {part} is "
            f"kept and can be resumed: run `gaugan weights fetch {name}` again"
        )


def install(entry: WeightFile, source: str | os.PathLike, dest_dir: str | os.PathLike | None = None) -> Result:
    """Check a file the user has (`verify`) and copy it into place atomically as ``entry``'s file.

    The copy is checked (not the original, which could change meanwhile); a refused file leaves
    nothing in ``dest_dir`` and an earlier file there untouched. FileNotFoundError if ``source``
    is not a file.
    """
    source = Path(source).expanduser()
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    directory = weights_dir(dest_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / entry.filename
    if target.is_file() and target.resolve() == source.resolve():
        return Result(target, verify(entry, target), "already present")
    handle, temporary_name = tempfile.mkstemp(dir=directory, prefix=f".{entry.filename}.", suffix=".tmp")
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as out, open(source, "rb") as file:
            shutil.copyfileobj(file, out, CHUNK_SIZE)
            out.flush()
            os.fsync(out.fileno())
        digest = verify(entry, temporary, label=str(source))
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Result(target, digest, "installed")


def status(entry: WeightFile, dest_dir: str | os.PathLike | None = None, *, check_digest: bool = True) -> Status:
    """Whether ``entry``'s file is in ``dest_dir``: missing, present, or damaged (size or digest).

    Cheap compared to `verify`: the digest is computed (unless ``check_digest`` is False, then
    only the size is compared with the registry's approximate size) but the model loader is not run.
    """
    target = weights_dir(dest_dir) / entry.filename
    if not target.is_file():
        part = part_path(target)
        detail = f"partial download of {human_size(part.stat().st_size)}, fetch resumes it" if part.is_file() else ""
        return Status(entry, target, "missing", None, detail, None)
    size = target.stat().st_size
    size_off = abs(size - entry.size) > SIZE_TOLERANCE * entry.size
    size_note = f"size {human_size(size)}, expected about {human_size(entry.size)}"
    if not check_digest:
        if size_off:
            return Status(entry, target, "damaged", size, size_note, None)
        return Status(entry, target, "present", size, "digest not checked", None)
    digest = sha256_file(target)
    if entry.digest_matches(digest):
        return Status(entry, target, "present", size, "sha256 ok" if entry.digest_is_full else "sha256 prefix ok", digest)
    wanted = entry.sha256 or entry.sha256_prefix or ""
    detail = f"sha256 {digest[: max(8, len(entry.sha256_prefix or ''))]}..., expected {wanted[:16]}..."
    return Status(entry, target, "damaged", size, detail + (f"; {size_note}" if size_off else ""), digest)
