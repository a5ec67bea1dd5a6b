"""The report's figures, as PNG bytes (matplotlib's object API: no pyplot state, no display)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from scomm.reports.outcomes import Outcomes
from scomm.reports.tables import LEVEL_COLUMNS, Table

_LEVEL_COLOURS = ("#8c2d04", "#d94801", "#fd8d3c", "#6baed6")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _months(values: list[str]) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[M]").astype("datetime64[D]")


def activation_curve(outcomes: Outcomes, activation: Mapping[str, dt.date | None]) -> bytes:
    """Counties activated per the real rollout beside counties whose bookings reached IDENT."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    real = np.sort(
        np.asarray([d for d in activation.values() if d is not None], dtype="datetime64[D]")
    )
    if len(real):
        ax.step(real, np.arange(1, len(real) + 1), where="post", label="activated (ICE's list)")
    searched = outcomes.flag["ident_searched"]
    first: dict[str, np.datetime64] = {}
    for county, day in zip(
        outcomes.text["county_fips"][searched], outcomes.booked_on[searched], strict=True
    ):
        if county and (county not in first or day < first[county]):
            first[str(county)] = day
    seen = sorted(first.values())
    if seen:
        days = np.asarray(seen, dtype="datetime64[D]")
        ax.step(days, np.arange(1, len(days) + 1), where="post", label="with IDENT searches here")
    ax.set_ylabel("counties (cumulative)")
    ax.set_title("Secure Communities rollout")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _png(fig)


def removals_by_level(by_month: Table) -> bytes:
    """Removals per month, stacked by ICE criminal level."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    months = _months([str(m) for m in by_month.column("month")])
    stacks = [np.asarray(by_month.column(name), dtype=float) for name, _ in LEVEL_COLUMNS]
    labels = [level.label for _, level in LEVEL_COLUMNS]
    if len(months):
        ax.stackplot(months, *stacks, labels=labels, colors=_LEVEL_COLOURS, step="post")
    ax.set_ylabel("removals (by month of booking)")
    ax.set_title("Removals by criminal level")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _png(fig)


def monthly_flow(by_month: Table) -> bytes:
    """Submissions, IDENT matches and detainers per month (log scale)."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    months = _months([str(m) for m in by_month.column("month")])
    for name, label in (
        ("submissions", "submissions"),
        ("ident_matches", "IDENT matches"),
        ("detainers", "detainers"),
        ("removals", "removals"),
    ):
        values = np.asarray(by_month.column(name), dtype=float)
        ax.plot(months, np.where(values > 0, values, np.nan), label=label)
    ax.set_yscale("log")
    ax.set_title("From fingerprints to removals, per month")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, which="both")
    return _png(fig)


def top_counties(by_county: Table, n: int = 20) -> bytes:
    """The counties with the most removals, split by level."""
    rows = sorted(by_county.rows, key=lambda r: -int(r[by_county.columns.index("removals")]))[:n]
    rows = rows[::-1]
    fig = Figure(figsize=(8, max(3.0, 0.3 * len(rows) + 1)))
    ax = fig.subplots()
    labels = [f"{r[0]} {r[1]}" for r in rows]
    left = np.zeros(len(rows))
    for (name, level), colour in zip(LEVEL_COLUMNS, _LEVEL_COLOURS, strict=True):
        values = np.asarray([r[by_county.columns.index(name)] for r in rows], dtype=float)
        ax.barh(labels, values, left=left, color=colour, label=level.label)
        left += values
    ax.set_xlabel("removals")
    ax.set_title(f"Top {len(rows)} counties by removals")
    ax.legend(loc="lower right")
    return _png(fig)


def detainers_vs_published(table: Table) -> bytes:
    """scomm's detainers per year beside ICE's all-program counts."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    years = np.asarray(table.column("year"), dtype=int)
    mine = np.asarray(table.column("scomm_detainers"), dtype=float)
    real = np.asarray(
        [v if v != "" else np.nan for v in table.column("ice_detainers_all_programs")], dtype=float
    )
    ax.bar(years - 0.2, real, width=0.4, label="ICE, all programs (published)", color="#bdbdbd")
    ax.bar(years + 0.2, mine, width=0.4, label="this run, S-Comm only", color="#d94801")
    ax.set_title("Detainers per year")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)
