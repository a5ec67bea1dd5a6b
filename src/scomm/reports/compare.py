"""Two runs of the same world under different policies, side by side."""

from __future__ import annotations

from scomm.reports.headlines import headlines
from scomm.reports.outcomes import Outcomes
from scomm.reports.tables import MEASURES, Table, by_state, totals


def compare_totals(a: Outcomes, b: Outcomes) -> Table:
    """National totals of each measure under both runs, with the difference."""
    ta, tb = totals(a), totals(b)
    rows = []
    for measure in MEASURES:
        va, vb = ta[measure], tb[measure]
        change = f"{(vb - va) / va:+.1%}" if va else ""
        rows.append((measure, round(va), round(vb), round(vb - va), change))
    return Table(
        "compare_totals",
        f"{a.run.policy} vs {b.run.policy}: national totals",
        ("measure", a.run.run_id, b.run.run_id, "difference", "change"),
        tuple(rows),
    )


def compare_headlines(a: Outcomes, b: Outcomes) -> Table:
    rows = []
    for ha, hb in zip(headlines(a), headlines(b), strict=False):
        rows.append((ha.key, ha.text, hb.text))
    return Table(
        "compare_headlines",
        "Headlines side by side",
        ("key", a.run.run_id, b.run.run_id),
        tuple(rows),
    )


def compare_by_state(a: Outcomes, b: Outcomes, measure: str = "removals") -> Table:
    """One measure per state under both runs, largest differences first."""
    sa, sb = by_state(a), by_state(b)
    index = sa.columns.index(measure)
    va = {str(r[0]): int(r[index]) for r in sa.rows}
    vb = {str(r[0]): int(r[index]) for r in sb.rows}
    rows = [
        (state, va.get(state, 0), vb.get(state, 0), vb.get(state, 0) - va.get(state, 0))
        for state in sorted(set(va) | set(vb))
    ]
    rows.sort(key=lambda r: -abs(r[3]))
    return Table(
        f"compare_{measure}_by_state",
        f"{measure} by state under both runs",
        ("state", a.run.run_id, b.run.run_id, "difference"),
        tuple(rows),
    )
