"""``scomm national``: the calibrated national-2008-2011 run through the agencies, checked
against ICE's published figures (DESIGN.md §1; docs/reports.md "The national run").
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table as RichTable

from scomm.cli.replay_driver import Store, replay
from scomm.domain import CriminalLevel
from scomm.policy import Registry
from scomm.reports import Outcomes, build_report, published_detainers, write_report
from scomm.reports.tables import detainers_by_year
from scomm.sim.national import (
    GAO_END,
    NATIONAL_SERVICES,
    PUBLISHED_CUTOFF,
    NationalSpec,
    activation_dates,
    national_world,
)
from scomm.sim.replay import enrol, time_order

RUN_ID = "national"
PUBLISHED: dict[str, float] = {
    # DESIGN.md §1: ICE's statistics through 2011-03-31 and GAO-12-708 (Oct 2008 - Mar 2012).
    "submissions": 7_225_393,
    "removed": 101_741,
    "removed_non_criminal_share": 1 - 72_445 / 101_741,
    "convicted_share_to_2012_03": 0.74,
    "ca_removed_level_1_share": 0.31,  # California, through 2011-03-31
}
TOLERANCE = 0.15


@dataclass(frozen=True)
class Figure:
    """One checked figure: scomm's value, its sampling standard error, the published one."""

    name: str
    scomm: float
    std_error: float
    published: float

    @property
    def deviation(self) -> float:
        return (self.scomm - self.published) / self.published

    @property
    def within(self) -> bool:
        return abs(self.deviation) <= TOLERANCE


def _count(weights: np.ndarray[Any, Any], mask: np.ndarray[Any, Any]) -> tuple[float, float]:
    """Weighted count and its standard error (each sampled row a Poisson draw of its weight)."""
    w = weights[mask]
    return float(w.sum()), float(math.sqrt(float((w * w).sum())))


def _share(mask: np.ndarray[Any, Any], among: np.ndarray[Any, Any]) -> tuple[float, float]:
    n = int(among.sum())
    p = float((mask & among).sum()) / n if n else 0.0
    return p, math.sqrt(p * (1 - p) / n) if n else 0.0


def national_figures(outcomes: Outcomes) -> list[Figure]:
    """The published checks read from a national run's outcomes."""
    flag, level, weight = outcomes.flag, outcomes.removal_level, outcomes.weight
    cutoff = np.datetime64(PUBLISHED_CUTOFF.isoformat(), "D")
    gao_end = np.datetime64(GAO_END.isoformat(), "D")
    booked = outcomes.booked_on <= cutoff
    removed = flag["removed"] & ~np.isnat(outcomes.removed_on)
    removed_by_cutoff = removed & (outcomes.removed_on <= cutoff)
    removed_by_gao = removed & (outcomes.removed_on <= gao_end)
    non_criminal = level == CriminalLevel.NON_CRIMINAL.value
    values = {
        "submissions": _count(weight, flag["ident_searched"] & booked),
        "removed": _count(weight, removed_by_cutoff),
        "removed_non_criminal_share": _share(non_criminal, removed_by_cutoff),
        "convicted_share_to_2012_03": _share(~non_criminal, removed_by_gao),
        "ca_removed_level_1_share": _share(
            level == CriminalLevel.LEVEL_1.value,
            removed_by_cutoff & (outcomes.text["state"] == "CA"),
        ),
    }
    return [Figure(name, v, se, PUBLISHED[name]) for name, (v, se) in values.items()]


def activated_by_month(activation: Mapping[int, dt.date], end: dt.date = GAO_END) -> dict[str, int]:
    """Counties activated by the end of each month (cumulative), from ICE's list."""
    dates = sorted(activation.values())
    out: dict[str, int] = {}
    month = dt.date(dates[0].year, dates[0].month, 1)
    while month <= end:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        out[month.strftime("%Y-%m")] = sum(1 for d in dates if d < following)
        month = following
    return out


def reached_ident_by_month(outcomes: Outcomes) -> dict[str, int]:
    """Counties with at least one IDENT search by the end of each month in the run."""
    searched = outcomes.flag["ident_searched"]
    first: dict[str, str] = {}
    for county, month in zip(
        outcomes.text["county_fips"][searched], outcomes.month[searched], strict=True
    ):
        if county and (county not in first or month < first[county]):
            first[county] = month
    months = sorted(set(outcomes.month.tolist()))
    return {m: sum(1 for f in first.values() if f <= m) for m in months}


@dataclass(frozen=True)
class NationalResult:
    spec: NationalSpec
    bookings: int
    workers: int
    replay_s: float
    total_s: float
    report_s: float
    report: Path
    figures: list[Figure]
    detainers: list[tuple[int, int, int | None]]
    activated: dict[str, int]
    reached: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "sample": self.spec.sample,
            "bookings": self.bookings,
            "workers": self.workers,
            "bookings_per_s": round(self.bookings / self.replay_s, 1),
            "wall_s": round(self.total_s, 1),
            "replay_s": round(self.replay_s, 1),
            "report_s": round(self.report_s, 2),
            **{f.name: round(f.scomm, 4) for f in self.figures},
            **{f"{f.name}_se": round(f.std_error, 4) for f in self.figures},
            **{f"{f.name}_deviation": round(f.deviation, 4) for f in self.figures},
            "all_within_15pct": all(f.within for f in self.figures),
            "detainers_by_year": {str(y): d for y, d, _ in self.detainers},
            "detainers_below_published": all(p is None or d < p for _, d, p in self.detainers),
            "activated_counties_2011_03": self.activated.get("2011-03"),
            "activated_counties_2012_03": self.activated.get("2012-03"),
        }


def run_national(
    spec: NationalSpec, workers: int, root: Path, console: Console, limit: int | None = None
) -> NationalResult:
    """Generate, enrol, replay through the agencies, report; ``limit``: first N bookings only
    (for quick checks; the figures then cover only the start of the period)."""
    started = time.perf_counter()
    with console.status(f"generating the national world (1 booking in {spec.sample})"):
        world = national_world(spec)
    gallery = f"national-{spec.seed}-{spec.sample}"
    store = Store.fresh(root)
    with console.status("enrolling the FBI and IDENT galleries"):
        enrol(world, root / "galleries" / gallery)
    order = time_order(world)
    rows = [int(r) for r in (order if limit is None else order[:limit])]
    console.print(
        f"national: {len(world.people):,} people, {len(rows):,} bookings (each weighs "
        f"{spec.sample}), {workers} worker processes, SQLite in {root}"
    )
    parameters = {"national": spec.to_json(), "galleries": gallery, "services": NATIONAL_SERVICES}
    replay_s = replay(
        store, RUN_ID, world, rows, policy="historical", scenario=spec.scenario, seed=spec.seed,
        parameters=parameters, workers=workers, console=console,
    )  # fmt: skip
    t = time.perf_counter()
    registry = Registry.shipped()
    activation = activation_dates(registry)
    outcomes = Outcomes.load(store.engine, RUN_ID)
    report = build_report(outcomes, {f"{k:05d}": v for k, v in activation.items()})
    path = write_report(report, root / "report")
    report_s = time.perf_counter() - t
    table = detainers_by_year(outcomes, published_detainers())
    detainers = [(int(r[0]), int(r[1]), int(r[2]) if r[2] != "" else None) for r in table.rows]
    return NationalResult(
        spec, len(rows), workers, replay_s, time.perf_counter() - started, report_s, path,
        national_figures(outcomes), detainers, activated_by_month(activation),
        reached_ident_by_month(outcomes),
    )  # fmt: skip


def print_result(result: NationalResult, console: Console) -> None:
    """The figures against the published ones, detainers per year, the rollout."""
    table = RichTable(title=f"national-2008-2011, 1 booking in {result.spec.sample} (weighted)")
    for column in ("figure", "scomm", "± sampling s.e.", "published", "deviation", "≤ 15%"):
        table.add_column(
            column, justify="left" if column == "figure" else "right", no_wrap=column == "figure"
        )
    for f in result.figures:
        share = f.published < 1

        def fmt(v: float, share: bool = share) -> str:
            return f"{v:.1%}" if share else f"{v:,.0f}"

        table.add_row(
            f.name, fmt(f.scomm), fmt(f.std_error), fmt(f.published), f"{f.deviation:+.1%}",
            "yes" if f.within else "NO",
        )  # fmt: skip
    console.print(table)
    years = RichTable(title="Detainers per year: scomm (S-Comm only) vs ICE, all programs")
    for column in ("year", "scomm", "ICE all programs", "below"):
        years.add_column(column, justify="right")
    for year, mine, published in result.detainers:
        below = "" if published is None else ("yes" if mine < published else "NO")
        years.add_row(str(year), f"{mine:,}", "" if published is None else f"{published:,}", below)
    console.print(years)
    rollout = RichTable(title="Counties activated (ICE's list) and reached in the run, by month")
    for column in ("month", "activated", "with an IDENT search in the run"):
        rollout.add_column(column, justify="right")
    for month, count in result.activated.items():
        if month.endswith(("-03", "-06", "-09", "-12")):
            rollout.add_row(month, f"{count:,}", f"{result.reached.get(month, 0):,}")
    console.print(rollout)
    console.print(
        f"{result.bookings:,} bookings through the agencies in {result.replay_s:.0f} s "
        f"({result.bookings / result.replay_s:,.0f}/s, {result.workers} workers); report in "
        f"{result.report_s:.1f} s: {result.report}; total {result.total_s:.0f} s"
    )
