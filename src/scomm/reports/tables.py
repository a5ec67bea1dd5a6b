"""The statistics tables, cut from a run's outcomes.

The interoperability columns follow ICE's published "IDENT/IAFIS Interoperability Statistics":
submissions, IDENT matches, IAQs, detainers, book-ins into ICE custody and removals by criminal
level. Every count is weighted (a sampled run's row stands for ``weight`` bookings).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scomm.domain import CriminalLevel
from scomm.reports.outcomes import Bools, Outcomes, Strings

Cell = str | int | float


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table; ``name`` is its CSV file name."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue()

    def column(self, name: str) -> list[Cell]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


LEVEL_COLUMNS: tuple[tuple[str, CriminalLevel], ...] = (
    ("removed_level_1", CriminalLevel.LEVEL_1),
    ("removed_level_2", CriminalLevel.LEVEL_2),
    ("removed_level_3", CriminalLevel.LEVEL_3),
    ("removed_non_criminal", CriminalLevel.NON_CRIMINAL),
)
MEASURES: tuple[str, ...] = (
    "submissions",
    "ident_matches",
    "iaqs",
    "detainers",
    "book_ins",
    "removals",
    *(name for name, _ in LEVEL_COLUMNS),
)


def measure_masks(outcomes: Outcomes) -> dict[str, Bools]:
    """For each interoperability measure, which bookings count toward it."""
    flag, level = outcomes.flag, outcomes.removal_level
    removed = flag["removed"]
    masks = {
        "submissions": flag["submitted"],
        "ident_matches": flag["ident_match"],
        "iaqs": flag["iaq_sent"],
        "detainers": flag["detainer_issued"],
        "book_ins": flag["booked_into_ice"],
        "removals": removed,
    }
    for name, lvl in LEVEL_COLUMNS:
        masks[name] = removed & (level == lvl.value)
    return masks


def _round(value: float) -> Cell:
    return round(value)


def grouped(
    outcomes: Outcomes,
    keys: Sequence[Strings],
    key_names: Sequence[str],
    *,
    name: str,
    title: str,
    sort: Callable[[tuple[Cell, ...]], Any] | None = None,
) -> Table:
    """The interoperability measures summed (weighted) per distinct combination of ``keys``."""
    n = len(outcomes)
    if n == 0:
        return Table(name, title, (*key_names, *MEASURES), ())
    # Each key column becomes integer codes (sorted values); the codes combine into one group id.
    values, codes = zip(
        *(np.unique(np.asarray(k).astype(str), return_inverse=True) for k in keys), strict=True
    )
    combined = np.zeros(n, dtype=np.int64)
    for column_values, column_codes in zip(values, codes, strict=True):
        combined = combined * len(column_values) + column_codes
    groups, inverse = np.unique(combined, return_inverse=True)
    sums = {
        measure: np.bincount(inverse, weights=outcomes.weight * mask, minlength=len(groups))
        for measure, mask in measure_masks(outcomes).items()
    }
    rows = []
    for g, group in enumerate(groups.tolist()):
        label: list[str] = []
        for column_values in reversed(values):
            group, code = divmod(group, len(column_values))
            label.insert(0, str(column_values[code]))
        rows.append((*label, *(_round(sums[m][g]) for m in MEASURES)))
    if sort is not None:
        rows.sort(key=sort)
    return Table(name, title, (*key_names, *MEASURES), tuple(rows))


def totals(outcomes: Outcomes) -> dict[str, float]:
    """National totals of every measure (weighted, unrounded)."""
    return {
        measure: float(np.sum(outcomes.weight * mask))
        for measure, mask in measure_masks(outcomes).items()
    }


def by_month(outcomes: Outcomes) -> Table:
    return grouped(outcomes, [outcomes.month], ["month"], name="by_month", title="By month")


def by_state(outcomes: Outcomes) -> Table:
    return grouped(outcomes, [outcomes.text["state"]], ["state"], name="by_state", title="By state")


def by_county(outcomes: Outcomes) -> Table:
    return grouped(
        outcomes,
        [outcomes.text["state"], outcomes.text["county_fips"]],
        ["state", "county_fips"],
        name="by_county",
        title="By county (most submissions first)",
        sort=lambda row: (-int(row[2]), str(row[1])),
    )


def lift_reasons(outcomes: Outcomes) -> Table:
    """Detainers by their disposition (ICE's lift-reason categories)."""
    issued = outcomes.flag["detainer_issued"]
    reasons = outcomes.text["lift_reason"][issued]
    weights = outcomes.weight[issued]
    counts: dict[str, float] = {}
    for reason, w in zip(reasons, weights, strict=True):
        key = str(reason) if reason else "(open)"
        counts[key] = counts.get(key, 0.0) + float(w)
    rows = sorted(((k, _round(v)) for k, v in counts.items()), key=lambda r: -int(r[1]))
    return Table(
        "lift_reasons", "Detainers by disposition", ("disposition", "detainers"), tuple(rows)
    )


def detainers_by_year(outcomes: Outcomes, published: dict[int, int]) -> Table:
    """scomm's detainers per calendar year beside ICE's published all-program counts."""
    issued = outcomes.flag["detainer_issued"]
    years = outcomes.booked_on[issued].astype("datetime64[Y]").astype(int) + 1970
    weights = outcomes.weight[issued]
    simulated: dict[int, float] = {}
    for year, w in zip(years.tolist(), weights.tolist(), strict=True):
        simulated[year] = simulated.get(year, 0.0) + w
    rows = []
    for year in sorted(set(simulated) | set(published)):
        mine, real = simulated.get(year, 0.0), published.get(year)
        share = f"{mine / real:.1%}" if real else ""
        rows.append((year, _round(mine), real if real is not None else "", share))
    return Table(
        "detainers_by_year",
        "Detainers per year: this run (S-Comm only) beside ICE's counts for all programs",
        ("year", "scomm_detainers", "ice_detainers_all_programs", "scomm_share"),
        tuple(rows),
    )
