"""Generate the national-2008-2011 scenario (activated counties only) and follow ICE's side.

Runs 2008-10-27 .. 2012-03-31 so that both published checks can be read from one run:
submissions, ICE custody and removals through 2011-03-31 (DESIGN.md §1) and the share with a
conviction among those removed Oct 2008 - Mar 2012 (GAO-12-708). Prints a table and, last, one
JSON object. Run: .venv/bin/python benchmarks/sim_national.py [--fraction F]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from scomm.domain import CriminalLevel
from scomm.sim.bookings import BookingStream
from scomm.sim.detainers import historical_rules
from scomm.sim.geography import national_geography
from scomm.sim.population import day_number
from scomm.sim.scenario import builtin_scenario
from scomm.sim.world import World

SHARED = Path(__file__).parents[1].parent / "shared" / "data"
CUTOFF = dt.date(2011, 3, 31)
GAO_END = dt.date(2012, 3, 31)
PUBLISHED = {
    "submissions": 7_225_393,
    "ice_custody": 197_302,
    "removed": 101_741,
    "removed_non_criminal_share": 1 - 72_445 / 101_741,
    "convicted_share_to_2012_03": 0.74,
    "ca_removed_level_1_share": 0.31,
}
CALIFORNIA = 6


def activation_dates() -> dict[int, dt.date | None]:
    with (SHARED / "scomm" / "county_activation.csv").open() as f:
        return {
            int(r["county_fips"]): dt.date.fromisoformat(r["date_secure"])
            if r["date_secure"]
            else None
            for r in csv.DictReader(f)
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fraction", type=float, default=1.0, help="sample_fraction")
    parser.add_argument(
        "--set", action="append", default=[], help="override: ice.removal_lag_days=30 (JSON value)"
    )
    args = parser.parse_args()
    scenario = builtin_scenario("national-2008-2011").with_overrides(end=GAO_END)
    changes = {k: json.loads(v) for k, _, v in (item.partition("=") for item in args.set)}
    if args.fraction != 1.0:
        changes["population.sample_fraction"] = args.fraction
    if changes:
        scenario = scenario.with_values(changes, "benchmark override")
    weight = 1.0 / args.fraction
    stream = BookingStream(
        scenario, national_geography(), activation_dates().get, only_activated=True
    )
    rules = historical_rules()
    cutoff = day_number(CUTOFF)

    timing: Counter[str] = Counter()
    count: Counter[str] = Counter()
    removed_to_cutoff: Counter[CriminalLevel] = Counter()
    removed_to_gao: Counter[CriminalLevel] = Counter()
    ca_removed: Counter[CriminalLevel] = Counter()
    detainers_by_year: Counter[int] = Counter()
    t = time.perf_counter()
    for chunk in stream.chunks(max_bookings=500_000):
        timing["generate"] += time.perf_counter() - t
        world = World.from_chunk(stream, chunk)
        t = time.perf_counter()
        _, ident = world.truth_arrays()
        timing["truth"] += time.perf_counter() - t
        t = time.perf_counter()
        for row in np.flatnonzero(ident).tolist():
            at = world.booked_at(row)
            out = world.outcome(rules, int(world.bookings.person[row]), row, at)
            if at.date() <= CUTOFF:
                count["ident_matches"] += 1
            if out.decision.issued:
                detainers_by_year[at.year] += 1
            if out.custody_on is not None and out.custody_on <= CUTOFF:
                count["ice_custody"] += 1
            if out.removed_on is not None and out.level_at_removal is not None:
                if out.removed_on <= CUTOFF:
                    removed_to_cutoff[out.level_at_removal] += 1
                    county = world.geography.counties[int(world.bookings.county[row])]
                    if county.state_fips == CALIFORNIA:
                        ca_removed[out.level_at_removal] += 1
                if out.removed_on <= GAO_END:
                    removed_to_gao[out.level_at_removal] += 1
        timing["ice"] += time.perf_counter() - t
        count["people"] += len(chunk.people)
        count["booking_rows"] += len(chunk.bookings)
        count["submissions"] += int(np.count_nonzero(chunk.bookings.day <= cutoff))
        t = time.perf_counter()
    removed = sum(removed_to_cutoff.values())
    gao = sum(removed_to_gao.values())
    figures = {
        "submissions": round(count["submissions"] * weight),
        "ice_custody": round(count["ice_custody"] * weight),
        "removed": round(removed * weight),
        "removed_non_criminal_share": round(
            removed_to_cutoff[CriminalLevel.NON_CRIMINAL] / max(removed, 1), 3
        ),
        "convicted_share_to_2012_03": round(
            1 - removed_to_gao[CriminalLevel.NON_CRIMINAL] / max(gao, 1), 3
        ),
        "ca_removed_level_1_share": round(
            ca_removed[CriminalLevel.LEVEL_1] / max(sum(ca_removed.values()), 1), 3
        ),
    }
    print(f"{'through 2011-03-31 (weighted)':<34} {'scomm':>12} {'published':>12}")
    for name, value in figures.items():
        print(f"{name:<34} {value:>12,} {PUBLISHED[name]:>12,.3f}".replace(".000", ""))
    print(f"{'IDENT matches (truth, weighted)':<34} {round(count['ident_matches'] * weight):>12,}")
    for level in CriminalLevel:
        print(f"{'removed ' + level.label:<34} {round(removed_to_cutoff[level] * weight):>12,}")
    for year in sorted(detainers_by_year):
        print(f"{'detainers ' + str(year):<34} {round(detainers_by_year[year] * weight):>12,}")
    print(f"{'generate s (to 2012-03-31)':<34} {timing['generate']:>12.1f}")
    print(f"{'ICE outcomes s':<34} {timing['ice']:>12.1f}")
    print(
        json.dumps(
            {
                "sample_fraction": args.fraction,
                "people": count["people"],
                "booking_rows": count["booking_rows"],
                **figures,
                "removed_by_level": {
                    k.value: round(v * weight) for k, v in removed_to_cutoff.items()
                },
                "detainers_by_year": {
                    y: round(v * weight) for y, v in sorted(detainers_by_year.items())
                },
                "generate_s": round(timing["generate"], 2),
                "truth_s": round(timing["truth"], 2),
                "ice_s": round(timing["ice"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
