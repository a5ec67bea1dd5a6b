"""Generate the national-2008-2011 scenario (activated counties only) and follow ICE's side.

Reports: time to generate people and bookings, submissions (bookings in activated counties,
weighted), IDENT matches by ground truth, and the time to decide every match's outcome with
the historical era rules. Run: .venv/bin/python benchmarks/sim_national.py [--fraction F]
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

from scomm.sim.bookings import BookingStream
from scomm.sim.detainers import historical_rules
from scomm.sim.geography import national_geography
from scomm.sim.scenario import builtin_scenario
from scomm.sim.world import World

SHARED = Path(__file__).parents[1].parent / "shared" / "data"


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
    args = parser.parse_args()
    scenario = builtin_scenario("national-2008-2011")
    if args.fraction != 1.0:
        scenario = scenario.with_values(
            {"population.sample_fraction": args.fraction}, "benchmark sample"
        )
    dates = activation_dates()
    stream = BookingStream(scenario, national_geography(), dates.get, only_activated=True)
    rules = historical_rules()

    generate_s = truth_s = ice_s = 0.0
    people = bookings = matches = 0
    submissions = 0.0
    outcomes: Counter[str] = Counter()
    removed_levels: Counter[str] = Counter()
    t = time.perf_counter()
    for chunk in stream.chunks(max_bookings=500_000):
        generate_s += time.perf_counter() - t
        world = World.from_chunk(stream, chunk)
        t = time.perf_counter()
        _, ident = world.truth_arrays()
        truth_s += time.perf_counter() - t
        t = time.perf_counter()
        for row in np.flatnonzero(ident).tolist():
            pid = int(world.bookings.person[row])
            out = world.outcome(rules, pid, row, world.booked_at(row))
            outcomes["detainer" if out.decision.issued else "no detainer"] += 1
            if out.taken_into_custody:
                outcomes["booked into ICE custody"] += 1
            if out.removed and out.level_at_removal is not None:
                removed_levels[out.level_at_removal.label] += 1
        ice_s += time.perf_counter() - t
        people += len(chunk.people)
        bookings += len(chunk.bookings)
        submissions += float(chunk.bookings.weight.sum())
        matches += int(ident.sum())
        t = time.perf_counter()
    removed = sum(removed_levels.values())
    rows = [
        ("people generated", f"{people:,}"),
        ("booking rows", f"{bookings:,}"),
        ("submissions (weighted)", f"{submissions:,.0f}"),
        ("IDENT matches (truth)", f"{matches:,}"),
        ("detainers", f"{outcomes['detainer']:,}"),
        ("booked into ICE custody", f"{outcomes['booked into ICE custody']:,}"),
        ("removed", f"{removed:,}"),
        ("removed non-criminal share", f"{removed_levels['Non-criminal'] / max(removed, 1):.3f}"),
        ("generate s", f"{generate_s:.1f}"),
        ("truth arrays s", f"{truth_s:.1f}"),
        ("ICE outcomes s", f"{ice_s:.1f}"),
        ("ICE outcomes us/match", f"{1e6 * ice_s / max(matches, 1):.1f}"),
    ]
    for name, value in rows:
        print(f"{name:<28} {value:>14}")
    print(
        json.dumps(
            {
                "sample_fraction": args.fraction,
                "people": people,
                "booking_rows": bookings,
                "submissions": round(submissions),
                "ident_matches": matches,
                "detainers": outcomes["detainer"],
                "ice_custody": outcomes["booked into ICE custody"],
                "removed": removed,
                "removed_by_level": dict(removed_levels),
                "generate_s": round(generate_s, 2),
                "truth_s": round(truth_s, 2),
                "ice_s": round(ice_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
