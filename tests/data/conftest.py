import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real sample data next to the repository (../shared/data), or $GAUGAN_SHARED_DATA."""
    root = Path(os.environ.get("GAUGAN_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    if not root.is_dir():
        pytest.skip(f"shared sample data not found at {root}")
    return root
