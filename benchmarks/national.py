"""The calibrated national-2008-2011 run through the agencies (oracle mode), against ICE's
published figures (DESIGN.md §1), timed; and the report generation from the finished run.

1 booking in K is replayed, each weighing K (docs/reports.md "The national run"). Prints the
figures with their sampling standard errors and % deviation from the published ones, detainers
per year beside ICE's all-program counts, the activated counties per month checked exactly
against ../shared/data/scomm/county_activation.csv, and, last, one JSON object.

Run: .venv/bin/python benchmarks/national.py [--sample K] [--workers N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from rich.console import Console

from scomm.cli.national import activated_by_month, print_result, run_national
from scomm.reports import Outcomes, build_report, write_report
from scomm.sim.national import NationalSpec
from scomm.store import make_engine

SHARED = Path(__file__).parents[1].parent / "shared" / "data"


def published_activation() -> dict[int, dt.date]:
    with (SHARED / "scomm" / "county_activation.csv").open() as f:
        return {
            int(r["county_fips"]): dt.date.fromisoformat(r["date_secure"])
            for r in csv.DictReader(f)
            if r["date_secure"]
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=300, help="replay 1 booking in K")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="first N bookings only")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="scomm-national-") as tmp:
        root = Path(tmp)
        result = run_national(
            NationalSpec(sample=args.sample), args.workers, root, console, args.limit
        )
        print_result(result, console)
        # Report generation from the finished run, timed on its own (as `scomm report` does).
        start = time.perf_counter()
        engine = make_engine(f"sqlite:///{root / 'scomm.db'}")
        outcomes = Outcomes.load(engine, "national")
        write_report(build_report(outcomes), root / "report-again")
        report_s = time.perf_counter() - start
    published = activated_by_month(published_activation())
    mismatched = [m for m, n in result.activated.items() if published.get(m) != n]
    console.print(
        f"activated counties per month vs county_activation.csv: "
        f"{len(result.activated) - len(mismatched)} of {len(result.activated)} months exact"
        + (f"; differ: {mismatched}" if mismatched else "")
    )
    console.print(f"report from the finished run: {report_s:.1f} s (target <= 30 s)")
    figures = result.to_json()
    figures["report_from_finished_run_s"] = round(report_s, 2)
    figures["activated_counties_months_exact"] = not mismatched
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
