"""``scomm demo`` end to end on a few hundred bookings: report written, five-line summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

import scomm.cli.demo as demo


@pytest.mark.slow
def test_the_demo_replays_bookings_and_writes_its_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCOMM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SCOMM_DATABASE_URL", raising=False)
    monkeypatch.setattr(demo, "ORACLE_BOOKINGS", 300)
    console = Console(record=True, width=160)
    demo.run_demo(console)
    text = console.export_text()
    summary = text.split(" summary ", 1)[1].strip().splitlines()[1:]
    assert [line[:2] for line in summary] == ["1.", "2.", "3.", "4.", "5."]
    assert "300 bookings replayed" in summary[0] and "0 dead letters" in summary[0]
    assert "0 problems" in summary[3]
    assert (tmp_path / "demo" / "report" / "report.html").stat().st_size > 10_000
    assert "full mode not run here" in text
    # The galleries are cached for the next run.
    again = Console(record=True, width=160)
    demo.run_demo(again)
    assert "galleries: cached" in again.export_text()
