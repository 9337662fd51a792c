"""The foreign weight files gaugan uses, where they come from and how a copy is recognised.

What "verified" means here, honestly: the full SHA-256 digests of these two files could not be
looked up when this registry was written, so an entry holds either the full digest (``sha256``)
or only its first hex digits (``sha256_prefix``). Both canonical file names carry the first 8 hex
digits of the file's SHA-256 (torch.hub's naming convention: ``...-6726825d.pth``,
``...-dcbb9e9d.pth``), which is what the prefixes below are. An 8-digit prefix alone would not
stop a deliberately forged file, so every check ALSO loads the file with the model's own loader
(``torch.load(weights_only=True)``, never a full unpickle) and refuses it unless every tensor the
model needs is there with the right shape. A wrong or damaged file is refused either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable


class WeightFileInvalid(ValueError):
    """A file is not the weight file it is supposed to be (its loader refused it)."""


@dataclass(frozen=True)
class WeightFile:
    """One foreign weight file.

    ``sha256``: the full hex digest when known, else None and ``sha256_prefix`` holds its leading
    hex digits. ``size``: the approximate size in bytes (for display and a cheap sanity check, not
    for verification). ``validate(path)``: loads the file the way gaugan will and raises
    `WeightFileInvalid` with a clear message if it is not the right file; returns None.
    ``env_var``: the variable with which the user can point the loader elsewhere (for ``list``).
    """

    name: str
    filename: str
    url: str
    purpose: str
    size: int
    validate: Callable[[Path], None]
    sha256: str | None = None
    sha256_prefix: str | None = None
    env_var: str | None = None

    def __post_init__(self) -> None:
        if not (self.sha256 or self.sha256_prefix):
            raise ValueError(f"weight file {self.name!r}: give sha256 or sha256_prefix")
        for field_name in ("sha256", "sha256_prefix"):
            value = getattr(self, field_name)
            if value is not None:
                if not value or any(c not in "0123456789abcdef" for c in value) or len(value) > 64:
                    raise ValueError(f"weight file {self.name!r}: {field_name} must be lower-case hex, got {value!r}")
                if field_name == "sha256" and len(value) != 64:
                    raise ValueError(f"weight file {self.name!r}: sha256 must have 64 hex digits, got {len(value)}")

    @property
    def expected_digest(self) -> str:
        """The full digest, or the known prefix of it."""
        return self.sha256 or self.sha256_prefix or ""

    @property
    def digest_is_full(self) -> bool:
        return self.sha256 is not None

    def digest_matches(self, digest: str) -> bool:
        """True when the full hex ``digest`` of a file is the expected one (or starts with the prefix)."""
        digest = digest.lower()
        return digest == self.sha256 if self.sha256 else digest.startswith(self.sha256_prefix or "\0")

    def describe_expected(self) -> str:
        if self.sha256:
            return f"SHA-256 {self.sha256}"
        return f"SHA-256 starting {self.sha256_prefix} (the full digest is not recorded)"


def _validate_inception(path: Path) -> None:
    from gaugan.eval.inception import FIDInceptionV3

    try:
        FIDInceptionV3.from_file(path)
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        raise WeightFileInvalid(str(err)) from None


def _validate_vgg19(path: Path) -> None:
    from gaugan.nn.vgg19 import VGG19Features

    try:
        VGG19Features.from_file(path)
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        raise WeightFileInvalid(str(err)) from None


# File names and environment variables are repeated here (not imported) so that `gaugan --help`
# and `gaugan weights list` need not import torch; tests/weight_files/test_weight_files.py checks they agree.
INCEPTION = WeightFile(
    name="inception",
    filename="pt_inception-2015-12-05-6726825d.pth",
    url="https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
    sha256_prefix="6726825d",
    size=95_600_000,  # about 91 MiB
    purpose="FID/KID (pytorch-fid's InceptionV3)",
    validate=_validate_inception,
    env_var="GAUGAN_INCEPTION_WEIGHTS",
)

VGG19 = WeightFile(
    name="vgg19",
    filename="vgg19-dcbb9e9d.pth",
    url="https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
    sha256_prefix="dcbb9e9d",
    size=574_700_000,  # about 548 MiB
    purpose="VGG19 perceptual loss (torchvision ImageNet weights)",
    validate=_validate_vgg19,
    env_var="GAUGAN_VGG19_WEIGHTS",
)

REGISTRY: dict[str, WeightFile] = {entry.name: entry for entry in (INCEPTION, VGG19)}


def get(name: str) -> WeightFile:
    """The registry entry called ``name``; KeyError with the known names otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown weight file {name!r}; known: {', '.join(REGISTRY)}") from None


def guess(path: str | Path) -> WeightFile | None:
    """The entry whose canonical file name is ``path``'s name, if any."""
    file_name = Path(path).name
    for entry in REGISTRY.values():
        if entry.filename == file_name:
            return entry
    return None
