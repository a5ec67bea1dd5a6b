"""`scomm report`, `scomm compare` and the national run's checks."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scomm.cli.main import app
from scomm.cli.national import PUBLISHED, activated_by_month, national_figures
from scomm.reports import Outcomes
from scomm.reports.outcomes import RunInfo
from scomm.store import make_engine, make_sessionmaker, upgrade_to_head
from scomm.store.outcome_tables import BookingOutcome, ReplayRun

runner = CliRunner()
UTC = dt.UTC


def _store(url: str) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    common = {
        "run_id": "r1", "weight": 10.0, "ori": "TX1010000", "county_fips": "48201", "state": "TX",
        "arrest_offense": "5404", "race": "W", "sex": "M", "age": 30, "submitted": True,
        "cjis_result": "N", "booked_at": dt.datetime(2009, 2, 1, 12, tzinfo=UTC),
    }  # fmt: skip
    through = {
        "ident_searched": True, "ident_match": True, "iaq_sent": True, "detainer_issued": True,
        "booked_into_ice": True, "removed": True, "removed_on": dt.date(2009, 6, 1),
    }  # fmt: skip
    with make_sessionmaker(engine).begin() as session:
        session.add(
            ReplayRun(
                run_id="r1", policy="historical@abc", scenario="t", seed=1, mode="oracle",
                started_at=dt.datetime(2026, 1, 1, tzinfo=UTC), parameters="{}",
            )
        )  # fmt: skip
        session.add(BookingOutcome(**common, tcn="TX1010000-20090201-1", ident_searched=True))
        session.add(
            BookingOutcome(
                **common, **through, tcn="TX1010000-20090201-2", criminal_level="non_criminal"
            )
        )


def test_report_writes_html_and_csv_and_prints_headlines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    _store(url)
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "r1", "--database", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    assert "20 fingerprint submissions" in result.output  # two rows of weight 10
    assert "100.0% had no criminal conviction" in result.output
    assert (out / "report.html").exists()
    with (out / "csv" / "by_state.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows == [rows[0]] and rows[0]["state"] == "TX" and rows[0]["removals"] == "10"


def test_report_of_an_unknown_run_names_the_known_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    _store(url)
    result = runner.invoke(app, ["report", "nope", "--database", url], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "no run 'nope'" in result.output and "r1" in result.output


def test_compare_needs_two_presets() -> None:
    result = runner.invoke(app, ["compare", "--preset", "historical"])
    assert result.exit_code == 2 and "two presets" in result.output


@pytest.mark.slow
def test_compare_runs_the_same_world_under_two_presets(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "compare",
            "--preset",
            "historical",
            "--preset",
            "conviction-gated",
            "--sample",
            "0.002",
            "--seed",
            "7",
            "--bookings",
            "60",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "cmp"),
        ],
        env={"SCOMM_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "cmp" / "compare.html").read_text()
    assert "compare-historical" in page and "compare-conviction-gated" in page
    with (tmp_path / "cmp" / "csv" / "compare_totals.csv").open() as f:
        totals = {r["measure"]: r for r in csv.DictReader(f)}
    assert (
        totals["submissions"]["compare-historical"]
        == totals["submissions"]["compare-conviction-gated"]
    )  # the same bookings
    assert int(totals["ident_matches"]["compare-historical"]) > 0
    # conviction-gated: searched on the court's disposition only, so fewer (never at arrest)
    gated = int(totals["ident_matches"]["compare-conviction-gated"])
    assert 0 < gated < int(totals["ident_matches"]["compare-historical"])
    assert (tmp_path / "cmp" / "compare-historical" / "report.html").exists()


def _outcomes(levels: list[str], removed_on: list[str], weight: float) -> Outcomes:
    n = len(levels)
    info = RunInfo("n", "historical", "s", 1, "oracle", dt.datetime(2026, 1, 1), None, {})
    states = ["CA", "CA", "TX", "CA", "CA"][:n]
    text = {"criminal_level": np.array(levels, dtype=object), "state": np.array(states, object)}
    flag = {"ident_searched": np.ones(n, bool), "removed": np.array([d != "" for d in removed_on])}
    return Outcomes(
        info,
        np.full(n, weight),
        np.array(["2010-01-01"] * n, dtype="datetime64[D]"),
        np.array([d or "NaT" for d in removed_on], dtype="datetime64[D]"),
        text,
        flag,
    )


def test_national_figures_count_by_the_cutoffs_with_weights() -> None:
    outcomes = _outcomes(
        ["non_criminal", "level_1", "level_2", "non_criminal", "level_3"],
        ["2010-05-01", "2011-03-31", "2011-12-01", "2012-06-01", ""],
        100.0,
    )
    figures = {f.name: f for f in national_figures(outcomes)}
    assert figures["submissions"].scomm == 500
    assert figures["submissions"].std_error == pytest.approx(100 * 5**0.5)
    assert figures["removed"].scomm == 200  # removed by 2011-03-31
    assert figures["removed_non_criminal_share"].scomm == 0.5
    assert figures["convicted_share_to_2012_03"].scomm == pytest.approx(2 / 3)
    assert figures["removed"].published == PUBLISHED["removed"]
    # California, removed by 2011-03-31: a non-criminal and a Level 1
    assert figures["ca_removed_level_1_share"].scomm == 0.5


def test_activated_counties_per_month_are_cumulative() -> None:
    months = activated_by_month(
        {1: dt.date(2008, 10, 27), 2: dt.date(2008, 11, 30), 3: dt.date(2009, 1, 1)},
        end=dt.date(2009, 2, 1),
    )
    assert months == {"2008-10": 1, "2008-11": 2, "2008-12": 2, "2009-01": 3, "2009-02": 3}
