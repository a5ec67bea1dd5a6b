"""Assemble and write the report: headlines, tables, figures; HTML plus a CSV per table."""

from __future__ import annotations

import base64
import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from sqlalchemy import Engine

from scomm.reports import plots
from scomm.reports.headlines import Headline, headlines
from scomm.reports.outcomes import Outcomes
from scomm.reports.profiling import profiling_monitor
from scomm.reports.tables import (
    Table,
    by_county,
    by_month,
    by_state,
    detainers_by_year,
    lift_reasons,
)

HTML_ROW_LIMIT = 60


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    title: str
    png: bytes

    @property
    def base64(self) -> str:
        return base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True, slots=True)
class Report:
    outcomes: Outcomes
    headlines: tuple[Headline, ...]
    tables: tuple[Table, ...]
    figures: tuple[Figure, ...]

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


def published_detainers() -> dict[int, int]:
    """ICE detainers per calendar year, all programs (shipped with the package)."""
    text = resources.files("scomm.reports").joinpath("data/detainers_by_year.csv").read_text()
    return {int(r["year"]): int(r["count"]) for r in csv.DictReader(text.splitlines())}


def build_report(
    outcomes: Outcomes, activation: Mapping[str, dt.date | None] | None = None
) -> Report:
    """Every table and figure for one run. ``activation``: county FIPS -> activation date."""
    activation = activation or {}
    month, state, county = by_month(outcomes), by_state(outcomes), by_county(outcomes)
    detainers = detainers_by_year(outcomes, published_detainers())
    tables = [month, state, county, lift_reasons(outcomes), detainers]
    if activation:
        tables.append(profiling_monitor(outcomes, activation))
    figures = [
        Figure("flow", "From fingerprints to removals", plots.monthly_flow(month)),
        Figure("levels", "Removals by criminal level", plots.removals_by_level(month)),
        Figure("counties", "Counties with the most removals", plots.top_counties(county)),
        Figure("detainers", "Detainers per year", plots.detainers_vs_published(detainers)),
    ]
    if activation:
        figures.insert(
            0, Figure("rollout", "The rollout", plots.activation_curve(outcomes, activation))
        )
    return Report(outcomes, tuple(headlines(outcomes)), tuple(tables), tuple(figures))


def load_and_build(
    engine: Engine, run_id: str, activation: Mapping[str, dt.date | None] | None = None
) -> Report:
    return build_report(Outcomes.load(engine, run_id), activation)


def write_report(report: Report, out_dir: Path) -> Path:
    """Write ``report.html``, ``csv/*.csv`` and ``png/*.png`` in ``out_dir``; return the HTML."""
    (out_dir / "csv").mkdir(parents=True, exist_ok=True)
    (out_dir / "png").mkdir(parents=True, exist_ok=True)
    for table in report.tables:
        (out_dir / "csv" / f"{table.name}.csv").write_text(table.to_csv())
    headline_table = Table(
        "headlines",
        "Headlines",
        ("key", "value", "text"),
        tuple((h.key, h.value, h.text) for h in report.headlines),
    )
    (out_dir / "csv" / "headlines.csv").write_text(headline_table.to_csv())
    for figure in report.figures:
        (out_dir / "png" / f"{figure.name}.png").write_bytes(figure.png)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scomm.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    outcomes = report.outcomes
    html = env.get_template("report.html.j2").render(
        run=outcomes.run,
        bookings=f"{len(outcomes):,}",
        weighted=bool(len(outcomes)) and float(outcomes.weight.max()) > 1.0,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        headlines=report.headlines,
        figures=report.figures,
        tables=report.tables,
        row_limit=HTML_ROW_LIMIT,
    )
    path = out_dir / "report.html"
    path.write_text(html)
    return path
