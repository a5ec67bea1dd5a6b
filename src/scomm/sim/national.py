"""The national run (issue 9, point 6): every activated county, sampled with weights.

Replaying all of S-Comm 2008-10-27 .. 2012-03-31 (about 17 million bookings) through the
agencies would take days on two cores, so the national run replays **one booking in K**: the
scenario's ``population.sample_fraction`` is set to ``1/K``, each county books a Poisson
number of people with mean ``1/K`` of its expected volume, and every booking row carries
``weight = K`` (``Bookings.weight``), which every table of :mod:`scomm.reports` sums. Counts
are then unbiased; the relative standard error of a count of ``n`` sampled events is about
``1/sqrt(n)`` (people's repeat bookings are sampled together, which adds a little), and of a
share ``p`` among ``n`` sampled removals ``sqrt(p(1-p)/n)``.

Only bookings in a county from its activation onward are generated (``only_activated``): the
published interoperability figures count those alone. Activation dates are the registry's
(ICE's list), and a county without its own date in the list is left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scomm.agencies import Agencies
from scomm.agencies.services import searches
from scomm.policy import Registry
from scomm.sim.detainers import historical_rules
from scomm.sim.geography import national_geography
from scomm.sim.replay import WorldDetainerRule, WorldIndex, WorldStatusCheck
from scomm.sim.scenario import builtin_scenario
from scomm.sim.world import World

NATIONAL_SERVICES = "scomm.sim.national:national_services"
PUBLISHED_CUTOFF = dt.date(2011, 3, 31)
"""ICE's first cumulative statistics (DESIGN.md §1)."""
GAO_END = dt.date(2012, 3, 31)
"""The end of GAO-12-708's window (removed Oct 2008 - Mar 2012)."""


@dataclass(frozen=True)
class NationalSpec:
    """Enough to rebuild the national world exactly: scenario, period, 1-in-K sample, seed."""

    scenario: str = "national-2008-2011"
    start: str = "2008-10-27"
    end: str = GAO_END.isoformat()
    sample: int = 300
    seed: int = 20081027

    def __post_init__(self) -> None:
        if self.sample < 1:
            raise ValueError(f"sample must be 1 booking in K with K >= 1, not {self.sample}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> NationalSpec:
        return cls(**value)


def activation_dates(registry: Registry) -> dict[int, dt.date]:
    """County FIPS -> activation date, for the counties with their own date in ICE's list."""
    return {
        int(fips): county.activation
        for fips, county in registry.counties.items()
        if county.activation_source == "data"
    }


@cache
def national_world(spec: NationalSpec) -> World:
    """The world of ``spec`` (cached per process: every worker rebuilds the same one)."""
    scenario = builtin_scenario(spec.scenario).with_overrides(
        seed=spec.seed, start=dt.date.fromisoformat(spec.start), end=dt.date.fromisoformat(spec.end)
    )
    scenario = scenario.with_values(
        {"population.sample_fraction": 1.0 / spec.sample},
        f"national run: 1 booking in {spec.sample}, each weighing {spec.sample}",
    )
    dates = activation_dates(Registry.shipped())
    return World.generate(scenario, national_geography(), dates.get, only_activated=True)


@cache
def _who(spec: NationalSpec) -> WorldIndex:
    return WorldIndex(national_world(spec))


def national_services(
    parameters: Mapping[str, Any], data_dir: Path, registry: Registry
) -> Agencies:
    """The national run's agencies: its galleries, the world's LESC and era detainer practice."""
    spec = NationalSpec.from_json(parameters["national"])
    cjis, ident = searches(parameters, data_dir)
    who = _who(spec)
    return Agencies(
        registry, cjis, ident, WorldStatusCheck(who), WorldDetainerRule(who, historical_rules())
    )
