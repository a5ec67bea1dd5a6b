"""The comparison page of ``scomm compare``: two runs of one world, side by side.

Each run gets its full report (``A/report.html``, ``B/report.html``); the page puts the
headlines, the national totals with their differences and the by-state measures next to each
other, and every comparison table is also a CSV.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from scomm.reports import (
    Outcomes,
    Table,
    build_report,
    compare_by_state,
    compare_headlines,
    compare_totals,
    write_report,
)
from scomm.reports.tables import lift_reasons

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f4f4f4; }
.note { color: #666; font-size: 0.9em; }
"""


def compare_lift_reasons(a: Outcomes, b: Outcomes) -> Table:
    """Detainers by disposition under both runs."""
    va = {str(r[0]): int(r[1]) for r in lift_reasons(a).rows}
    vb = {str(r[0]): int(r[1]) for r in lift_reasons(b).rows}
    rows = [
        (k, va.get(k, 0), vb.get(k, 0), vb.get(k, 0) - va.get(k, 0))
        for k in sorted(set(va) | set(vb), key=lambda k: -max(va.get(k, 0), vb.get(k, 0)))
    ]
    return Table(
        "compare_lift_reasons",
        "Detainers by disposition under both runs",
        ("disposition", a.run.run_id, b.run.run_id, "difference"),
        tuple(rows),
    )


def comparison_tables(a: Outcomes, b: Outcomes) -> list[Table]:
    return [
        compare_headlines(a, b),
        compare_totals(a, b),
        compare_by_state(a, b, "ident_matches"),
        compare_by_state(a, b, "detainers"),
        compare_by_state(a, b, "removals"),
        compare_lift_reasons(a, b),
    ]


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in table.rows
    )
    return (
        f"<h2>{html.escape(table.title)}</h2>\n"
        f'<p class="note"><a href="csv/{table.name}.csv">csv/{table.name}.csv</a></p>\n'
        f"<table><tr>{head}</tr>\n{body}</table>"
    )


def write_comparison(a: Outcomes, b: Outcomes, out_dir: Path) -> Path:
    """Write both runs' reports and ``compare.html`` (with ``csv/``) in ``out_dir``."""
    if len(a) != len(b):
        raise ValueError(
            f"runs {a.run.run_id} and {b.run.run_id} replayed different bookings "
            f"({len(a):,} vs {len(b):,}): not the same world"
        )
    (out_dir / "csv").mkdir(parents=True, exist_ok=True)
    links = []
    for outcomes in (a, b):
        path = write_report(build_report(outcomes), out_dir / outcomes.run.run_id)
        links.append(
            f'<a href="{path.relative_to(out_dir)}">{html.escape(outcomes.run.policy)}</a>'
        )
    tables = comparison_tables(a, b)
    for table in tables:
        (out_dir / "csv" / f"{table.name}.csv").write_text(table.to_csv())
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>scomm compare</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>The same world under two policies</h1>\n"
        f'<p class="note">Scenario <code>{html.escape(a.run.scenario)}</code>, seed '
        f"{a.run.seed}, {len(a):,} booking rows each; full reports: {' · '.join(links)}; "
        f"generated {generated}</p>\n"
        + "\n".join(_table_html(t) for t in tables)
        + "\n</body></html>\n"
    )
    path = out_dir / "compare.html"
    path.write_text(page)
    return path
