"""`scomm demo` (what `make demo` runs): a synthetic world replayed through the agencies.

1. A world of people and bookings in counties of several states, 2008-10-27 to 2014-12-31
   (cached generation is cheap: it is rebuilt from its seed).
2. The FBI criminal master file and DHS IDENT galleries (>= 10,000 subjects each), cached in
   the data directory.
3. ``full`` mode (images, templates, 1:N search) is NOT run: at this engine's extraction speed
   200 tenprint bookings against 10,000-subject galleries do not fit in five minutes on two
   cores; the demo says so (``scomm submit --mode full`` runs one booking with images).
4. >= 100,000 bookings in ``oracle`` mode under the ``historical`` policy, two worker processes.
5. The HTML report of the run (``scomm.reports``) and a five-line summary.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, func, select

from scomm.agencies import enter_bookings, finish_run, open_run
from scomm.agencies.workers import WorkerConfig, start_workers
from scomm.ledger import Ledger
from scomm.policy import Registry
from scomm.reports import load_and_build, write_report
from scomm.sim.replay import SERVICES, WorldSpec, build_world, enrol, intakes, time_order
from scomm.store import WorkChannel, data_dir, make_engine, transaction, upgrade_to_head
from scomm.store.outcome_tables import BookingOutcome

DEMO_SPEC = WorldSpec(sample_fraction=0.028)
ORACLE_BOOKINGS = 100_000
FULL_BOOKINGS = 200
WORKERS = 2
FEED_CHUNK = 2_000
RUN_ID = "demo-oracle"


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    )  # fmt: skip


def _fresh_database(root: Path) -> tuple[str, Engine]:
    for suffix in ("", "-wal", "-shm"):
        (root / f"demo.db{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{root / 'demo.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    return url, engine


def _answered(engine: Engine) -> int:
    query = select(func.count()).where(
        BookingOutcome.run_id == RUN_ID, BookingOutcome.cjis_result.is_not(None)
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _galleries(root: Path, console: Console) -> str:
    name = f"demo-{DEMO_SPEC.seed}-{DEMO_SPEC.sample_fraction}"
    target = root / "galleries" / name
    if (target / "cjis.npz").exists() and (target / "ident.npz").exists():
        console.print(f"galleries: cached in {target}")
    else:
        with console.status("enrolling the FBI and IDENT galleries"):
            sizes = enrol(build_world(DEMO_SPEC), target)
        console.print(f"galleries: {sizes[0]:,} FBI subjects, {sizes[1]:,} IDENT subjects")
    return name


def _replay_oracle(
    console: Console, root: Path, url: str, engine: Engine, gallery: str, rows: list[int]
) -> float:
    import multiprocessing as mp

    open_run(
        engine, RUN_ID, policy="historical", mode="oracle", scenario=DEMO_SPEC.scenario,
        seed=DEMO_SPEC.seed,
        parameters={"world": DEMO_SPEC.to_json(), "galleries": gallery, "services": SERVICES},
    )  # fmt: skip
    world = build_world(DEMO_SPEC)
    channel = WorkChannel(engine)
    registry = Registry.shipped()
    fed = mp.get_context("spawn").Event()
    start = time.perf_counter()
    workers = start_workers(WorkerConfig(url, str(root), batch_size=300), WORKERS, fed=fed)
    with _progress(console) as progress:
        entered = progress.add_task("bookings booked (CARs)", total=len(rows))
        answered = progress.add_task("answered by the FBI (SRE)", total=len(rows))
        for i in range(0, len(rows), FEED_CHUNK):
            chunk = rows[i : i + FEED_CHUNK]
            items = list(intakes(world, chunk))
            with transaction(engine) as session:
                enter_bookings(session, channel, RUN_ID, items, registry)
            progress.update(entered, advance=len(chunk))
            progress.update(answered, completed=_answered(engine))
        fed.set()
        while any(w.is_alive() for w in workers):
            progress.update(answered, completed=_answered(engine))
            time.sleep(0.5)
        progress.update(answered, completed=_answered(engine))
    for worker in workers:
        worker.join()
    finish_run(engine, RUN_ID)
    return time.perf_counter() - start


def _report(engine: Engine, root: Path, counties: tuple[int, ...]) -> Path:
    out = root / "report"
    shutil.rmtree(out, ignore_errors=True)
    registry = Registry.shipped()
    activation = {
        f"{fips:05d}": registry.counties[f"{fips:05d}"].activation
        for fips in counties
        if f"{fips:05d}" in registry.counties
    }
    return write_report(load_and_build(engine, RUN_ID, activation), out)


def run_demo(console: Console) -> None:
    """Replay a synthetic world through the agencies and report on it."""
    started = time.perf_counter()
    root = data_dir() / "demo"
    root.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]scomm demo[/bold]: Secure Communities, replayed")
    with console.status("generating the synthetic world"):
        world = build_world(DEMO_SPEC)
    console.print(
        f"world: {len(world.people):,} people, {len(world.bookings):,} bookings in "
        f"{len(DEMO_SPEC.counties)} counties of {len({c // 1000 for c in DEMO_SPEC.counties})}"
        f" states, {DEMO_SPEC.start} to {DEMO_SPEC.end}"
    )
    gallery = _galleries(root, console)
    url, engine = _fresh_database(root)
    full_note = (
        "full mode not run here: 200 tenprint bookings searched against 10,000-subject galleries"
        " take far longer than this demo's five minutes on two cores (template extraction is"
        " ~0.6 s per finger, enrolment ~10 ms per finger: docs/pipeline.md); `scomm submit"
        " --mode full` runs one booking with images end to end"
    )
    console.print(f"[yellow]{full_note}[/yellow]")
    order = time_order(world)
    rows = [int(r) for r in order[: max(ORACLE_BOOKINGS, min(len(order), ORACLE_BOOKINGS))]]
    console.print(f"oracle mode: {len(rows):,} bookings, {WORKERS} worker processes, SQLite")
    elapsed = _replay_oracle(console, root, url, engine, gallery, rows)
    channel = WorkChannel(engine)
    dead = sum(d["dead"] for d in channel.depths().values())
    ledger = Ledger(engine, root / "keys", migrate=False)
    checkpoint = ledger.checkpoint()
    verified = ledger.verify()
    with console.status("writing the report"):
        report = _report(engine, root, DEMO_SPEC.counties)
    counts = _counts(engine)
    console.rule("summary")
    console.print(
        f"1. {counts['bookings']:,} bookings replayed in {elapsed:.0f} s "
        f"({counts['bookings'] / elapsed:,.0f}/s, oracle mode, {WORKERS} workers); {dead} dead"
        " letters"
    )
    console.print(
        f"2. FBI: {counts['identified']:,} identified, {counts['errt']:,} rejected; "
        f"IDENT searched {counts['searched']:,}, matched {counts['matched']:,}"
    )
    console.print(
        f"3. ICE: {counts['detainers']:,} detainers, {counts['custody']:,} booked into ICE "
        f"custody, {counts['removed']:,} removed ({counts['citizens']:,} matched US citizens)"
    )
    console.print(
        f"4. ledger: {verified.tree_size:,} disclosures logged, verified with "
        f"{verified.problem_count} problems, checkpoint signed at size {checkpoint.size:,}"
    )
    total = time.perf_counter() - started
    console.print(f"5. report: {report}  (oracle mode only; total {total:.0f} s)")


def _counts(engine: Engine) -> dict[str, int]:
    o = BookingOutcome
    measures = {
        "bookings": func.count(),
        "identified": func.sum(func.cast(o.cjis_result == "I", o.age.type)),
        "errt": func.sum(func.cast(o.cjis_result == "ERRT", o.age.type)),
        "searched": func.sum(func.cast(o.ident_searched, o.age.type)),
        "matched": func.sum(func.cast(o.ident_match, o.age.type)),
        "detainers": func.sum(func.cast(o.detainer_issued, o.age.type)),
        "custody": func.sum(func.cast(o.booked_into_ice, o.age.type)),
        "removed": func.sum(func.cast(o.removed, o.age.type)),
        "citizens": func.sum(
            func.cast(o.ident_match & o.truth_status.in_(("citizen", "naturalized")), o.age.type)
        ),
    }
    query = select(*measures.values()).where(o.run_id == RUN_ID)
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return {name: int(value or 0) for name, value in zip(measures, row, strict=True)}
