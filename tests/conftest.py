"""Shared fixtures: where the reference data lives (``../shared/data`` beside the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SCOMM_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data directory; skipped (outside CI) when it is not beside the checkout."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference data not found at {SHARED_DATA} (CI must have ../shared)")
        pytest.skip(f"reference data not found at {SHARED_DATA}; set SCOMM_SHARED_DATA")
    return SHARED_DATA
