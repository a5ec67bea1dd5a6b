"""Fixtures: FVC2004 DB1_B images and their templates, extracted once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from scomm.biometrics import FingerprintImage, Template, extract, read_image


@pytest.fixture(scope="session")
def fvc_dir(shared_data: Path) -> Path:
    return shared_data / "fingerprints" / "fvc2004_db1_b"


@pytest.fixture(scope="session")
def fvc_image(fvc_dir: Path) -> FingerprintImage:
    return read_image(fvc_dir / "101_1.tif")


@pytest.fixture(scope="session")
def fvc_templates(fvc_dir: Path) -> dict[tuple[int, int], Template]:
    """Fingers 101..105, impressions 1..4: enough pairs to see genuine beat impostor."""
    return {
        (f, i): extract(read_image(fvc_dir / f"{f}_{i}.tif"))
        for f in range(101, 106)
        for i in range(1, 5)
    }
