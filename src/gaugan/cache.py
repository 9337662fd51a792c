"""Where gaugan keeps files it does not ship: foreign weight files, FID statistics.

One directory, agreed on by the loaders (`gaugan.eval.inception`, `gaugan.nn.vgg19`) and by
``gaugan weights fetch|add|list``: ``$GAUGAN_CACHE_DIR`` when set, else ``~/.cache/gaugan``. Both
are read when asked for (not at import), so a changed environment or $HOME takes effect at once.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV_VAR = "GAUGAN_CACHE_DIR"


def cache_dir() -> Path:
    """``$GAUGAN_CACHE_DIR`` (``~`` expanded), else ``~/.cache/gaugan``; not created here."""
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "gaugan"


def cache_path(file_name: str) -> Path:
    """The place of ``file_name`` in the cache directory."""
    return cache_dir() / file_name
