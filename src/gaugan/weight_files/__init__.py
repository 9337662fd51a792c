"""The foreign weight files gaugan needs (FID Inception, VGG19): fetch, add, list and verify them.

``gaugan weights fetch inception|vgg19|all`` downloads them into the cache directory the loaders
look in ($GAUGAN_CACHE_DIR, else ~/.cache/gaugan), ``gaugan weights add FILE`` installs a copy
you already have, ``gaugan weights list`` shows what is there. Every file is checked by SHA-256
(the full digest where recorded, else the prefix in its canonical name) and by loading it with
the model's loader; see `gaugan.weight_files.registry`.
"""

from __future__ import annotations

import importlib

from gaugan.weight_files.registry import REGISTRY, WeightFile, WeightFileInvalid, get, guess

__all__ = [
    "REGISTRY",
    "DownloadError",
    "IncompleteDownload",
    "Result",
    "Status",
    "VerificationError",
    "WeightFile",
    "WeightFileError",
    "WeightFileInvalid",
    "fetch",
    "get",
    "guess",
    "install",
    "sha256_file",
    "status",
    "verify",
    "weights_dir",
]

# The download side (urllib, http.client) is imported on first use, not when `gaugan` registers
# its sub-commands.
_DOWNLOAD_NAMES = frozenset(__all__) - {"REGISTRY", "WeightFile", "WeightFileInvalid", "get", "guess"}


def __getattr__(name: str):
    if name in _DOWNLOAD_NAMES:
        return getattr(importlib.import_module("gaugan.weight_files.download"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
