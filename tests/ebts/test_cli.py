"""``scomm ebts show / validate / images``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from scomm.cli.main import app
from scomm.domain import Booking, Charge, FingerPosition, Ori, Person, Race, Sex, Tcn
from scomm.ebts import build_car

runner = CliRunner()


def clean_car_bytes() -> bytes:
    ori = Ori("NB0010000")
    person = Person("p", "Doe", "Jane", dt.date(1990, 1, 2), Sex.FEMALE, Race.UNKNOWN)
    booked = dt.datetime(2012, 7, 1, 9, 0, tzinfo=dt.UTC)
    booking = Booking(
        Tcn.for_booking(ori, booked.date(), 1), ori, person, booked, (Charge.of("2399"),)
    )
    ridges = (np.sin(np.arange(64 * 64).reshape(64, 64) / 3.0) * 100 + 128).astype(np.uint8)
    return build_car(booking, {FingerPosition.RIGHT_INDEX: ridges}).to_bytes()


def test_show_lists_records_fields_and_images(shared_data: Path) -> None:
    result = runner.invoke(app, ["ebts", "show", str(shared_data / "an2k" / "valid1.14.an2")])
    assert result.exit_code == 0, result.output
    assert "Record 3: Type-4, IDC 1" in result.output
    assert "2.006 ATN" in result.output
    assert "784 x 1133 x 500 ppi, WSQ" in result.output


def test_validate_exit_status(shared_data: Path, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["ebts", "validate", str(shared_data / "an2k" / "valid1.1.an2")])
    assert bad.exit_code == 1 and "1.008 ORI" in bad.output
    path = tmp_path / "car.an2"
    path.write_bytes(clean_car_bytes())
    good = runner.invoke(app, ["ebts", "validate", str(path)])
    assert good.exit_code == 0 and "valid CAR" in good.output
    broken = tmp_path / "broken.an2"
    broken.write_bytes(clean_car_bytes()[:100])
    unreadable = runner.invoke(app, ["ebts", "validate", str(broken)])
    assert unreadable.exit_code == 2 and "LEN" in unreadable.output


def test_images_writes_pngs(shared_data: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ebts", "images", str(shared_data / "an2k" / "valid1.8.an2"), str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert written == [
        "record-03_type-14_pos-13.png",
        "record-04_type-14_pos-14.png",
        "record-05_type-14_pos-15.png",
    ]
    with Image.open(tmp_path / written[0]) as image:
        assert image.size == (1600, 976) and image.mode == "L"
