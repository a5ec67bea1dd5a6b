"""A plain HTML summary of one run's outcome table, for builds without ``scomm.reports``.

It says so on the page: this is a count of the ``booking_outcome`` rows, by state and year,
not the statistics package's report."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from scomm.store.outcome_tables import BookingOutcome, ReplayRun

COLUMNS = (
    ("bookings", None),
    ("submitted", "submitted"),
    ("FBI identified", "identified"),
    ("ERRT", "errt"),
    ("IDENT searched", "ident_searched"),
    ("IDENT matches", "ident_match"),
    ("IAR to field office", "iar_to_ero"),
    ("detainers", "detainer_issued"),
    ("booked into ICE", "booked_into_ice"),
    ("removed", "removed"),
)


def _measures() -> list[Any]:
    o = BookingOutcome
    as_int = o.age.type
    values: list[Any] = [func.count()]
    for _, name in COLUMNS[1:]:
        if name == "identified":
            values.append(func.sum(func.cast(o.cjis_result == "I", as_int)))
        elif name == "errt":
            values.append(func.sum(func.cast(o.cjis_result == "ERRT", as_int)))
        else:
            values.append(func.sum(func.cast(getattr(o, str(name)), as_int)))
    return values


def _table(title: str, key: str, rows: list[tuple[object, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (key, *(c for c, _ in COLUMNS)))
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(f'{v:,}' if isinstance(v, int) else str(v))}</td>"
                         for v in (r[0], *(int(str(x or 0)) for x in r[1:]))) + "</tr>"
        for r in rows
    )  # fmt: skip
    return f"<h2>{html.escape(title)}</h2><table><tr>{head}</tr>{body}</table>"


def write_summary(engine: Engine, run_id: str, out: Path, note: str) -> Path:
    o = BookingOutcome
    measures = _measures()
    year = func.substr(func.cast(o.booked_at, o.state.type), 1, 4)
    with engine.connect() as conn:
        run = conn.execute(select(ReplayRun).where(ReplayRun.run_id == run_id)).first()
        total = conn.execute(select(*measures).where(o.run_id == run_id)).one()
        states = conn.execute(
            select(o.state, *measures).where(o.run_id == run_id).group_by(o.state)
        ).all()
        years = conn.execute(
            select(year, *measures).where(o.run_id == run_id).group_by(year).order_by(year)
        ).all()
    described = ""
    if run is not None:
        r = run
        described = f"policy {r.policy}, scenario {r.scenario}, mode {r.mode}, seed {r.seed}"
    title = f"scomm run {html.escape(run_id)}"
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:2px 8px;text-align:right}}</style></head><body>
<h1>scomm run {html.escape(run_id)}</h1>
<p>{html.escape(described)}</p>
<p><b>Minimal summary:</b> counts of the run's <code>booking_outcome</code> rows, written by
<code>scomm demo</code> because the statistics package (<code>scomm.reports</code>) is not part
of this build. Unweighted counts of simulated bookings.</p>
<p>{html.escape(note)}</p>
{_table("All bookings", "run", [(run_id, *tuple(total))])}
{_table("By state (NCIC code of the booking agency)", "state", [tuple(r) for r in states])}
{_table("By year of booking", "year", [tuple(r) for r in years])}
<p>Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.</p></body></html>"""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.html"
    path.write_text(page)
    return path
