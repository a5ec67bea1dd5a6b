"""Policy decisions per second, one core.

A replay asks ``decide`` for every transfer of every booking; this measures that call on a
realistic mix: random real ORIs from the registry, event times over 2008-2018, a transfer drawn
uniformly, a few arrest offenses, some convictions and some declined consents. Facts are built
before timing (the rate of building them is reported separately).

    .venv/bin/python benchmarks/policy.py [--decisions N]

Rates are per wall second, best of three passes (the first pass, which also fills the
decision cache, is reported apart), and per CPU second of this process (a shared machine).
Prints a table, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time

from scomm.policy import BookingFacts, Registry, Transfer, preset

OFFENSES = ["5404", "1313", "0999", "3532", "2299", "5499", "1201", "3562"]
PRESETS = ["historical", "conviction-gated", "voluntary", "ngi-2013"]


def workload(n: int, seed: int = 2008) -> tuple[list[tuple[Transfer, BookingFacts]], float]:
    rng = random.Random(seed)
    registry = Registry.shipped()
    oris = sorted(registry.agencies)
    transfers = list(Transfer)
    start = dt.datetime(2008, 1, 1, tzinfo=dt.UTC)
    span = 11 * 365 * 24 * 3600
    t0 = time.perf_counter()
    jobs = []
    for _ in range(n):
        facts = BookingFacts.for_ori(
            rng.choice(oris),
            start + dt.timedelta(seconds=rng.randrange(span)),
            registry,
            offenses=rng.sample(OFFENSES, rng.randint(1, 2)),
            conviction_known=rng.random() < 0.4,
            juvenile=rng.random() < 0.05,
            domestic_violence_victim=rng.random() < 0.02,
            county_consented=rng.random() < 0.9,
            agency_consented=rng.random() < 0.95,
        )
        jobs.append((rng.choice(transfers), facts))
    return jobs, n / (time.perf_counter() - t0)


def measure(name: str, jobs: list[tuple[Transfer, BookingFacts]]) -> dict[str, float]:
    policy = preset(name)
    t0 = time.perf_counter()
    allowed = sum(policy.decide(transfer, facts).allowed for transfer, facts in jobs)
    first = time.perf_counter() - t0
    best_cpu = best_wall = float("inf")
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        for transfer, facts in jobs:
            policy.decide(transfer, facts)
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - t0)
    return {
        "first_pass_per_s": len(jobs) / first,
        "decisions_per_s": len(jobs) / best_wall,
        "cpu_decisions_per_s": len(jobs) / best_cpu,
        "allowed_share": allowed / len(jobs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=200_000)
    args = parser.parse_args()
    jobs, facts_rate = workload(args.decisions)
    results = {name: measure(name, jobs) for name in PRESETS}
    print(f"{args.decisions:,} decisions per run, facts built at {facts_rate:,.0f}/s")
    print("steady = best of 3 passes per wall second; cpu = per CPU second of this process")
    print(f"{'preset':<18} {'first pass /s':>14} {'steady /s':>12} {'cpu /s':>12} {'allowed':>8}")
    for name, r in results.items():
        print(
            f"{name:<18} {r['first_pass_per_s']:>14,.0f} {r['decisions_per_s']:>12,.0f}"
            f" {r['cpu_decisions_per_s']:>12,.0f} {r['allowed_share']:>8.1%}"
        )
    figures = {
        "decisions": args.decisions,
        "decisions_per_s": round(results["historical"]["decisions_per_s"]),
        "cpu_decisions_per_s": round(results["historical"]["cpu_decisions_per_s"]),
        "first_pass_decisions_per_s": round(results["historical"]["first_pass_per_s"]),
        "facts_per_s": round(facts_rate),
        "per_preset_decisions_per_s": {n: round(r["decisions_per_s"]) for n, r in results.items()},
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
