"""The profiling monitor: minor-offense arrests by group, before and after activation.

The fear voiced in 2010-2011 was that once every booking reached ICE, officers would arrest
more people of one group for minor offenses as a pretext. The monitor compares, per county,
each group's share of minor-offense arrests among its bookings before and after the county's
activation; a rise for one group that the others do not show is the signal to look at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache

import numpy as np

from scomm.domain import NcicOffense, Severity
from scomm.reports.outcomes import Outcomes
from scomm.reports.tables import Table


@cache
def _is_minor(code: str) -> bool:
    try:
        return NcicOffense.lookup(code).severity is Severity.MISDEMEANOR
    except ValueError:
        return False


def minor_offense_mask(outcomes: Outcomes) -> np.ndarray:
    return np.array([_is_minor(str(c)) for c in outcomes.text["arrest_offense"]], dtype=bool)


def group_of(outcomes: Outcomes) -> np.ndarray:
    """The population group: the simulation's group where it says one, else the EBTS race."""
    truth, race = outcomes.text["truth_group"], outcomes.text["race"]
    return np.array(
        [str(t) if t else f"race {r}" for t, r in zip(truth, race, strict=True)], dtype=object
    )


def profiling_monitor(
    outcomes: Outcomes, activation: Mapping[str, dt.date | None], min_bookings: float = 20.0
) -> Table:
    """Per county and group: minor-offense share of bookings before and after activation."""
    minor = minor_offense_mask(outcomes)
    groups = group_of(outcomes)
    county = np.asarray([str(c) if c else "" for c in outcomes.text["county_fips"]], dtype=object)
    # Each row's county activation day (NaT: no county or not activated), then one pass of
    # weighted sums per (county, group) instead of a scan of every row per county.
    names, where = np.unique(county.astype(str), return_inverse=True)
    dates = [activation.get(str(n)) if n else None for n in names]
    active_day = np.array(
        [np.datetime64(d, "D") if d is not None else np.datetime64("NaT") for d in dates],
        dtype="datetime64[D]",
    )[where]
    known = ~np.isnat(active_day)
    after = known & (outcomes.booked_on >= active_day)
    before = known & ~after
    keys = np.asarray([f"{c}\x1f{g}" for c, g in zip(county, groups, strict=True)], dtype=str)
    labels, inverse = np.unique(keys, return_inverse=True)
    w = outcomes.weight

    def summed(mask: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=w * mask, minlength=len(labels))

    before_n, after_n = summed(before), summed(after)
    before_minor, after_minor = summed(before & minor), summed(after & minor)
    rows = []
    for g, label in enumerate(labels):
        fips, group = str(label).split("\x1f", 1)
        active = activation.get(fips) if fips else None
        if active is None or before_n[g] < min_bookings or after_n[g] < min_bookings:
            continue
        before_share = float(before_minor[g]) / float(before_n[g])
        after_share = float(after_minor[g]) / float(after_n[g])
        rows.append(
            (
                fips,
                group,
                active.isoformat(),
                round(float(before_n[g])),
                f"{before_share:.3f}",
                round(float(after_n[g])),
                f"{after_share:.3f}",
                f"{after_share - before_share:+.3f}",
            )
        )
    rows.sort(key=lambda r: -float(str(r[7])))
    return Table(
        "profiling_monitor",
        "Profiling monitor: minor-offense share of bookings before and after activation",
        (
            "county_fips",
            "group",
            "activated",
            "bookings_before",
            "minor_share_before",
            "bookings_after",
            "minor_share_after",
            "change",
        ),
        tuple(rows),
    )
