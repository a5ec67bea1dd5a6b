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
    county = outcomes.text["county_fips"]
    day = outcomes.booked_on
    w = outcomes.weight
    rows = []
    for fips in sorted({str(c) for c in county if c}):
        active = activation.get(fips)
        if active is None:
            continue
        in_county = county == fips
        after = day >= np.datetime64(active, "D")
        for group in sorted({str(g) for g in groups[in_county]}):
            sel = in_county & (groups == group)
            before_n = float(np.sum(w[sel & ~after]))
            after_n = float(np.sum(w[sel & after]))
            if before_n < min_bookings or after_n < min_bookings:
                continue
            before_share = float(np.sum(w[sel & ~after & minor])) / before_n
            after_share = float(np.sum(w[sel & after & minor])) / after_n
            rows.append(
                (
                    fips,
                    group,
                    active.isoformat(),
                    round(before_n),
                    f"{before_share:.3f}",
                    round(after_n),
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
