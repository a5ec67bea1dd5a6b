"""Transparency ledger benchmark: batched appends on SQLite, proofs at 1,000,000 entries,
verification of the whole log.

    .venv/bin/python benchmarks/ledger.py [--entries 1000000] [--append-entries 100000]

Targets (issue 6): at least 20,000 appends/s batched; inclusion and consistency proofs at
1,000,000 entries in at most 5 ms each. The last line printed is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from scomm.domain import Ori, Tcn
from scomm.ledger import DisclosureEvent, Ledger, verify_consistency, verify_inclusion
from scomm.store import make_engine

ORIS = ("CA0190000", "TX1010000", "VA0070100", "AZ0070000", "IL0160000", "NY0300000")
HOPS = (("CAR", "SIB", "CJIS"), ("CAR", "CJIS", "IDENT"), ("IAQ", "IDENT", "VTICE0900"))
POLICY = hashlib.sha256(b"historical-2008-2014").hexdigest()
START = dt.datetime(2008, 10, 27, tzinfo=dt.UTC)


def events(first: int, count: int) -> list[DisclosureEvent]:
    """Gate decisions shaped like the pipeline's: three hops per booking, some refused."""
    out = []
    for i in range(first, first + count):
        booking, hop = divmod(i, 3)
        ori = ORIS[booking % len(ORIS)]
        transfer, sender, recipient = HOPS[hop]
        allowed = hop < 2 or booking % 4 != 0
        out.append(
            DisclosureEvent(
                tcn=Tcn(f"{ori}-{(START + dt.timedelta(seconds=booking)):%Y%m%d}-{booking:010d}"),
                booking_ori=Ori(ori),
                sender=ori if sender == "SIB" else sender,
                recipient=recipient,
                transfer=transfer,
                event_time=START + dt.timedelta(seconds=booking, milliseconds=hop),
                allowed=allowed,
                reasons=(f"{ori} activated for IDENT search on 2009-05-12 (rule hist.{hop})",),
                rule_ids=(f"hist.{hop}",),
                policy_hash=POLICY,
                record_digests=("sha256:" + hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),),
            )
        )
    return out


def chunks(first: int, last: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(first, last, size):
        yield start, min(size, last - start)


def measure_appends(ledger: Ledger, total: int, batch: int) -> tuple[float, float]:
    """Appends per wall-clock second and per CPU second of this process (the machine is
    shared: the second figure says what the code costs when others take the cores)."""
    prepared = [events(start, n) for start, n in chunks(0, total, batch)]
    began, cpu = time.perf_counter(), time.process_time()
    for block in prepared:
        ledger.append(block)
    return total / (time.perf_counter() - began), total / (time.process_time() - cpu)


def timed_ms(calls: list[float]) -> tuple[float, float]:
    calls.sort()
    return statistics.median(calls) * 1000, calls[int(len(calls) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size for proofs")
    parser.add_argument("--append-entries", type=int, default=100_000, help="appends timed")
    parser.add_argument("--batch", type=int, default=1000, help="events per append call")
    parser.add_argument("--proofs", type=int, default=1000, help="proofs of each kind timed")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    args = parser.parse_args()
    console = Console()
    rng = random.Random(6)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        db = Path(tmp) / "ledger.db"
        ledger = Ledger(make_engine(f"sqlite:///{db}"), Path(tmp) / "keys")

        load = os.getloadavg()[0]
        appends_per_s, appends_per_cpu_s = measure_appends(ledger, args.append_entries, args.batch)
        small = Ledger(make_engine(f"sqlite:///{Path(tmp) / 'small.db'}"), Path(tmp) / "keys")
        appends_per_s_batch10, _ = measure_appends(small, min(20_000, args.append_entries), 10)

        began = time.perf_counter()
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"growing the log to {args.entries:,}", total=args.entries)
            bar.update(task, completed=ledger.size())
            for start, n in chunks(ledger.size(), args.entries, 10_000):
                ledger.append(events(start, n))
                bar.update(task, completed=start + n)
        build_s = time.perf_counter() - began
        signed = ledger.checkpoint()
        size, root = signed.size, signed.root_hash

        inclusion: list[float] = []
        for _ in range(args.proofs):
            index = rng.randrange(size)
            began = time.perf_counter()
            proof = ledger.inclusion_proof(index, size)
            inclusion.append(time.perf_counter() - began)
            verify_inclusion(index, size, proof.leaf_hash, proof.path, root)
        consistency: list[float] = []
        for _ in range(args.proofs):
            old = rng.randrange(1, size)
            began = time.perf_counter()
            c = ledger.consistency_proof(old, size)
            consistency.append(time.perf_counter() - began)
            if len(consistency) <= 20:  # verify a sample (needs the old root)
                verify_consistency(old, size, ledger.root_hash(old), root, c.path)
        inclusion_ms, inclusion_p95 = timed_ms(inclusion)
        consistency_ms, consistency_p95 = timed_ms(consistency)

        began = time.perf_counter()
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("verifying the whole log", total=size)
            report = ledger.verify(progress=lambda done, _: bar.update(task, completed=done))
        verify_s = time.perf_counter() - began
        if not report.ok:
            raise SystemExit(f"verification failed:\n{report.summary()}")
        db_mb = db.stat().st_size / 2**20

    table = Table(title=f"ledger benchmark (SQLite, {size:,} entries)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row(f"appends/s, batches of {args.batch}", f"{appends_per_s:,.0f}", ">= 20,000")
    table.add_row(
        f"appends per CPU second, batches of {args.batch}", f"{appends_per_cpu_s:,.0f}", ""
    )
    table.add_row("appends/s, batches of 10", f"{appends_per_s_batch10:,.0f}", "")
    table.add_row(
        f"inclusion proof at {size:,}: median / p95 ms",
        f"{inclusion_ms:.2f} / {inclusion_p95:.2f}",
        "<= 5",
    )
    table.add_row(
        f"consistency proof at {size:,}: median / p95 ms",
        f"{consistency_ms:.2f} / {consistency_p95:.2f}",
        "<= 5",
    )
    table.add_row("full verification, s", f"{verify_s:.1f}", "")
    table.add_row("full verification, entries/s", f"{size / verify_s:,.0f}", "")
    table.add_row(
        "log build, entries/s (incl. event creation)",
        f"{(args.entries - args.append_entries) / build_s:,.0f}",
        "",
    )
    table.add_row("database size, MiB", f"{db_mb:,.0f}", "")
    table.add_row("load average when the run began", f"{load:.1f}", "")
    console.print(table)
    figures = {
        "appends_per_s": round(appends_per_s),
        "appends_per_cpu_s": round(appends_per_cpu_s),
        "appends_per_s_batch10": round(appends_per_s_batch10),
        "inclusion_proof_ms_1m": round(inclusion_ms, 3),
        "inclusion_proof_ms_p95": round(inclusion_p95, 3),
        "consistency_proof_ms_1m": round(consistency_ms, 3),
        "consistency_proof_ms_p95": round(consistency_p95, 3),
        "verify_s": round(verify_s, 1),
        "entries": size,
        "load_average": round(load, 1),
        "batch": args.batch,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
