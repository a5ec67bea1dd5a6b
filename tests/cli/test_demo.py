"""``scomm demo`` end to end on small sizes: full-mode bookings with images, then oracle
bookings, both reports written, the five-line summary, and the caches reused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

import scomm.cli.demo as demo
import scomm.cli.demo_calibration as demo_calibration
from scomm.domain import TEN_FINGERS
from scomm.ebts import finger_images, parse


@pytest.mark.slow
def test_the_demo_replays_full_and_oracle_bookings_and_writes_its_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    monkeypatch.setattr(demo, "ORACLE_BOOKINGS", 300)
    monkeypatch.setattr(demo, "FULL_BOOKINGS", 8)
    monkeypatch.setattr(demo, "FULL_GALLERY_SUBJECTS", 60)
    monkeypatch.setattr(demo_calibration, "CALIBRATION_SEARCHES", 40)
    monkeypatch.setattr(demo_calibration, "CALIBRATION_PEOPLE", 40)
    monkeypatch.setattr(demo_calibration, "FULL_STRANGERS", 10)
    console = Console(record=True, width=400)
    demo.run_demo(console)
    text = console.export_text()
    summary = text.split(" summary ", 1)[1].strip().splitlines()[1:]
    assert [line[:2] for line in summary] == ["1.", "2.", "3.", "4.", "5."]
    assert "demo-full: 8 bookings with images" in summary[0]
    assert "300 bookings replayed" in summary[0] and "0 dead letters" in summary[0]
    assert "0 problems" in summary[3]
    # 60-subject galleries are not what the shipped thresholds were calibrated for
    assert "calibrated at run time (40 non-mated searches of each gallery" in summary[0]
    vetoed = re.search(
        r"shipped thresholds were calibrated for other galleries \((.*) differ\)", text
    )
    assert vetoed and "gallery_subjects" in vetoed[1]  # found by the check in the pool
    # The full-mode searches find the people on file and (almost) no one else.
    cjis = re.search(r"FBI identified (\d+) of (\d+) on file \((\d+) false\)", summary[0])
    ident = re.search(r"IDENT matched (\d+) of (\d+) \((\d+) false\)", summary[0])
    assert cjis and ident
    hits, on_file, false = (int(x) for x in cjis.groups())
    assert on_file > 0 and hits >= on_file - 1 and false <= 1
    hits, on_file, false = (int(x) for x in ident.groups())
    assert hits >= on_file - 1 and false <= 1
    states = re.search(r"\((\d) states, (\d{4})-(\d{4})\)", text)
    assert states and int(states[1]) >= 3 and states[2] == "2008" and states[3] == "2014"
    # The CARs carry ten WSQ images each.
    cars = sorted((tmp_path / "demo" / "galleries").glob("demo-full-*/cars/*.an2"))
    assert len(cars) == 8
    images = finger_images(parse(cars[0].read_bytes()))
    assert sorted(images) == sorted(TEN_FINGERS)
    assert {info.compression for info in images.values()} == {"WSQ"}
    for folder in ("report", "report-full"):
        assert (tmp_path / "demo" / folder / "report.html").stat().st_size > 10_000
    # Where the preparation's time went, phase by phase, CPU of the pool's workers included.
    times = json.loads(next(cars[0].parents[1].glob("times.json")).read_text())
    assert times["fillers: synthesis (workers)"]["cpu_s"] > 0
    assert times["cjis: calibration searches (workers)"]["cpu_s"] > 0
    # The galleries and prints are cached for the next run.
    again = Console(record=True, width=400)
    demo.run_demo(again)
    rerun = again.export_text()
    assert "galleries: cached" in rerun
    assert "full mode: prints and galleries cached" in rerun
    assert "demo-full: 8 bookings with images" in rerun


def test_the_quick_demo_is_oracle_only_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    monkeypatch.setattr(demo, "ORACLE_BOOKINGS", 200)
    console = Console(record=True, width=400)
    demo.run_demo(console, quick=True)
    text = console.export_text()
    assert "skipped (--quick)" in text
    summary = text.split(" summary ", 1)[1].strip().splitlines()[1:]
    assert [line[:2] for line in summary] == ["1.", "2.", "3.", "4.", "5."]
    assert "200 bookings replayed" in summary[0] and "0 dead letters" in summary[0]
    assert "demo-full" not in text.split(" summary ", 1)[1]
    assert (tmp_path / "demo" / "report" / "report.html").is_file()
    assert not (tmp_path / "demo" / "report-full").exists()


def test_filler_people_are_in_both_files_with_the_same_index_finger_captures() -> None:
    from scomm.biometrics.enrolment import stored_template
    from scomm.biometrics.index import IndexParams
    from scomm.cli.demo_full import _filler_chunk, filler_template
    from scomm.domain import INDEX_FINGERS, FingerPosition

    params = (IndexParams(), IndexParams(tables=8))
    made = _filler_chunk(0, 4, cjis=2, ident=3, params=params)
    cjis, ident = made.value
    assert len(cjis) == 2 and len(ident) == 3 and made.cpu_s > 0
    assert all(sorted(person) == sorted(int(f) for f in TEN_FINGERS) for person in cjis)
    assert all(sorted(person) == sorted(int(f) for f in INDEX_FINGERS) for person in ident)
    for fbi, dhs in zip(cjis, ident, strict=False):
        assert all(dhs[f].blob == fbi[f].blob for f in dhs)
    # each is the stored form of the filler's template for its gallery and finger
    for files, index in zip(made.value, params, strict=True):
        for number, person in enumerate(files):
            for f, stored in person.items():
                plain = stored_template(filler_template(number, FingerPosition(f)), f, index)
                assert (stored.position, stored.params, stored.size) == (f, index, plain.size)
                assert stored.blob == plain.blob and np.array_equal(stored.keys, plain.keys)
    # different people have different fingers
    assert ident[2][int(INDEX_FINGERS[0])].blob != ident[1][int(INDEX_FINGERS[0])].blob


@pytest.mark.slow
def test_galleries_made_for_the_shipped_calibration_operate_at_its_thresholds(
    tmp_path: Path,
) -> None:
    from scomm.agencies.services import CJIS_FULL, IDENT_FULL
    from scomm.biometrics import Gallery
    from scomm.cli.demo_calibration import SHIPPED, Thresholds
    from scomm.cli.demo_full import choose_rows, prepare, prepared, thresholds_used
    from scomm.domain import INDEX_FINGERS
    from scomm.sim.replay import build_world

    world = build_world(demo.DEMO_SPEC)
    rows = choose_rows(world, 3)
    spec = demo.DEMO_SPEC.to_json()
    shipped = Thresholds(0.0123, 0.0234, SHIPPED, "a test's")
    made = prepare(
        world, spec, rows, tmp_path, 40, lambda _what, _count: None, shipped=shipped,
        vet=_no_differences,
    )  # fmt: skip
    times = made.times
    assert made.vetoed == () and times.cpu["shipped thresholds checked (workers)"] > 0
    assert times.cpu["fillers: synthesis (workers)"] > 0
    assert times.cpu["index builds: sketches (workers)"] > 0  # the pool sketched the galleries
    assert not [name for name in times.cpu if "calibration" in name]
    assert thresholds_used(tmp_path) == shipped
    assert Gallery.open(tmp_path / CJIS_FULL).threshold(TEN_FINGERS) == 0.0123
    assert Gallery.open(tmp_path / IDENT_FULL).threshold(INDEX_FINGERS) == 0.0234
    key = {"rows": rows, "subjects": 40, "world": spec}
    assert prepared(tmp_path, key, shipped)
    # made at other shipped thresholds, or without knowing of these: made again
    assert not prepared(tmp_path, key, Thresholds(0.5, 0.5, SHIPPED, "another file's"))
    assert not prepared(tmp_path, key, None)


def _no_differences() -> list[str]:
    """A vet for ``prepare`` that finds the shipped thresholds apply (run in its pool)."""
    return []
