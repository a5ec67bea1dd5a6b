"""The report on hand-made outcome rows: totals add up, headlines say the right numbers."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from scomm.domain import CriminalLevel
from scomm.reports import (
    MEASURES,
    Outcomes,
    ReportError,
    build_report,
    by_county,
    by_month,
    by_state,
    compare_totals,
    totals,
    write_report,
)
from scomm.reports.outcomes import RunInfo
from scomm.store import make_engine, make_sessionmaker
from scomm.store.outcome_tables import BookingOutcome, ReplayRun
from scomm.store.schema import upgrade_to_head

UTC = dt.UTC
LEVELS = [level.value for level in CriminalLevel]


def outcome(tcn: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "run_id": "r1",
        "tcn": tcn,
        "weight": 1.0,
        "ori": "CA0190000",
        "county_fips": "06037",
        "state": "CA",
        "booked_at": dt.datetime(2010, 11, 1, 12, tzinfo=UTC),
        "arrest_offense": "5404",
        "race": "W",
        "sex": "M",
        "age": 30,
        "submitted": True,
        "cjis_result": "N",
    }
    row.update(values)
    return row


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    upgrade_to_head(engine)
    return engine


def store(
    engine: Engine, rows: list[dict[str, object]], run_id: str = "r1", policy: str = "historical"
) -> None:
    with make_sessionmaker(engine).begin() as session:
        session.add(
            ReplayRun(
                run_id=run_id,
                policy=policy,
                scenario="test",
                seed=1,
                mode="oracle",
                started_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
                parameters="{}",
            )
        )
        for row in rows:
            session.add(BookingOutcome(**{**row, "run_id": run_id}))


def known_rows() -> list[dict[str, object]]:
    removed = {
        "ident_searched": True,
        "ident_match": True,
        "iaq_sent": True,
        "detainer_issued": True,
        "booked_into_ice": True,
        "removed": True,
    }
    return [
        outcome("T-000000001"),
        outcome("T-000000002", ident_searched=True),
        outcome("T-000000003", **removed, criminal_level="non_criminal", truth_status="overstay"),
        outcome(
            "T-000000004",
            **removed,
            criminal_level="level_1",
            state="TX",
            county_fips="48201",
            ori="TX1010000",
        ),
        outcome(
            "T-000000005",
            ident_searched=True,
            ident_match=True,
            iaq_sent=True,
            truth_status="citizen",
            detainer_issued=True,
            lift_reason="United States Citizen Interviewed",
        ),
        outcome(
            "T-000000006",
            domestic_violence_victim=True,
            ident_searched=True,
            ident_match=True,
            iaq_sent=True,
            booked_at=dt.datetime(2011, 2, 3, tzinfo=UTC),
        ),
    ]


def test_known_rows_give_known_tables_and_headlines(engine: Engine, tmp_path: Path) -> None:
    store(engine, known_rows())
    outcomes = Outcomes.load(engine, "r1")
    t = totals(outcomes)
    assert t["submissions"] == 6
    assert t["ident_matches"] == 4
    assert t["detainers"] == 3
    assert t["removals"] == 2
    assert t["removed_level_1"] == 1
    assert t["removed_non_criminal"] == 1
    report = build_report(outcomes, {"06037": dt.date(2009, 8, 25), "48201": dt.date(2008, 10, 27)})
    texts = {h.key: h.text for h in report.headlines}
    assert (
        "Of the 2 people removed, 50.0% had no criminal conviction; 50.0% were Level 1."
        in texts["removed_non_criminal_share"]
    )
    assert (
        "US citizens matched in IDENT: 1; of them 1 got an immigration detainer."
        in texts["citizens_flagged"]
    )
    assert "referred to ICE (an IAQ sent): 1" in texts["victims_referred"]
    states = {row[0]: row for row in report.table("by_state").rows}
    assert states["TX"][1] == 1 and states["CA"][1] == 5
    months = report.table("by_month").column("month")
    assert months == ["2010-11", "2011-02"]

    html = write_report(report, tmp_path / "out")
    assert html.read_text().count("<img") == len(report.figures) == 5
    with (tmp_path / "out" / "csv" / "by_county.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["county_fips"]: int(r["submissions"]) for r in rows} == {"06037": 5, "48201": 1}
    assert (tmp_path / "out" / "png" / "levels.png").read_bytes().startswith(b"\x89PNG")


def test_unknown_run_is_named(engine: Engine) -> None:
    store(engine, known_rows())
    with pytest.raises(ReportError, match="no run 'nope' in the store; runs: r1"):
        Outcomes.load(engine, "nope")


def test_compare_shows_the_difference(engine: Engine) -> None:
    store(engine, known_rows(), run_id="a")
    store(engine, known_rows()[:2], run_id="b", policy="conviction-gated")
    table = compare_totals(Outcomes.load(engine, "a"), Outcomes.load(engine, "b"))
    removals = next(r for r in table.rows if r[0] == "removals")
    assert removals[1:4] == (2, 0, -2)


flags = st.booleans()
row_strategy = st.fixed_dictionaries(
    {
        "state_county": st.sampled_from(
            [("CA", "06037"), ("CA", "06075"), ("TX", "48201"), ("IL", "17031")]
        ),
        "weight": st.sampled_from([1.0, 2.0, 10.0]),
        "day": st.dates(min_value=dt.date(2008, 10, 1), max_value=dt.date(2013, 12, 31)),
        "matched": flags,
        "removed": flags,
        "level": st.sampled_from(LEVELS),
        "level_at_removal": st.sampled_from([None, *LEVELS]),  # None: the LESC's level counts
    }
)


def _outcomes(draws: list[dict[str, object]]) -> Outcomes:
    run = RunInfo(
        "p", "historical", "test", 1, "oracle", dt.datetime(2026, 1, 1, tzinfo=UTC), None, {}
    )
    from scomm.reports.outcomes import _FLAGS, _TEXT

    rows = []
    for i, d in enumerate(draws):
        state, county = d["state_county"]  # type: ignore[misc]
        removed = bool(d["removed"]) and bool(d["matched"])
        text = {name: None for name in _TEXT}
        text.update(
            tcn=f"T{i:09d}",
            state=state,
            county_fips=county,
            arrest_offense="5404",
            race="W",
            criminal_level=d["level"] if removed else None,
            level_at_removal=d["level_at_removal"] if removed else None,
        )
        flag = {name: False for name in _FLAGS}
        flag.update(submitted=True, ident_match=bool(d["matched"]), removed=removed)
        day = d["day"]
        rows.append(
            (
                *text.values(),
                *flag.values(),
                d["weight"],
                dt.datetime.combine(day, dt.time(), UTC),
                day if removed else None,
            )
        )  # type: ignore[arg-type]
    return Outcomes.from_rows(run, rows)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(row_strategy, max_size=60))
def test_totals_add_up(draws: list[dict[str, object]]) -> None:
    outcomes = _outcomes(draws)
    national = totals(outcomes)
    for table in (by_state(outcomes), by_county(outcomes), by_month(outcomes)):
        for measure in MEASURES:
            assert sum(int(v) for v in table.column(measure)) == pytest.approx(
                national[measure], abs=len(table.rows)
            )
    # by level = total removals
    assert sum(national[m] for m in MEASURES if m.startswith("removed_")) == national["removals"]
    # by county = by state
    states = {r[0]: r for r in by_state(outcomes).rows}
    county_table = by_county(outcomes)
    for state, row in states.items():
        in_state = [r for r in county_table.rows if r[0] == state]
        for i in range(1, len(MEASURES) + 1):
            assert sum(int(r[i + 1]) for r in in_state) == row[i]
