"""`scomm demo` (what `make demo` runs): a synthetic world replayed through the agencies.

1. A world of people and bookings in counties of several states, 2008-10-27 to 2014-12-31
   (cached generation is cheap: it is rebuilt from its seed).
2. The FBI criminal master file and DHS IDENT galleries (>= 10,000 subjects each), cached in
   the data directory.
3. ``full`` mode first (run ``demo-full``): 200 bookings whose CARs carry WSQ images of
   synthetic prints, extracted and searched 1:N by CJIS and IDENT in galleries of 10,000
   subjects each (``scomm.cli.demo_full``; prints and galleries cached in the data directory).
4. >= 100,000 bookings in ``oracle`` mode under the ``historical`` policy, two worker processes.
5. The HTML reports of both runs (``scomm.reports``) and a five-line summary naming both.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, func, select

import scomm.cli.demo_calibration as calibration
from scomm.agencies import enter_bookings, finish_run, open_run
from scomm.agencies.intake import Intake
from scomm.agencies.workers import WorkerConfig, WorkerPool
from scomm.cli.demo_calibration import Thresholds
from scomm.cli.demo_full import (
    Prepared,
    choose_rows,
    full_intakes,
    on_file,
    one_thread_per_process,
    prepare,
    prepared,
    thresholds_used,
)
from scomm.cli.demo_ledger import ledger_verified_meanwhile
from scomm.cli.demo_thresholds import ShippedCalibration, shipped_calibration, vetoes
from scomm.cli.phase_times import PhaseTimes
from scomm.ledger import Ledger
from scomm.policy import Registry
from scomm.reports import load_and_build, write_report
from scomm.sim.replay import SERVICES, WorldSpec, build_world, enrol, intakes, time_order
from scomm.sim.world import World
from scomm.store import WorkChannel, data_dir, make_engine, transaction, upgrade_to_head
from scomm.store.outcome_tables import BookingOutcome

DEMO_SPEC = WorldSpec(sample_fraction=0.028)
ORACLE_BOOKINGS = 100_000
FULL_BOOKINGS = 200
WORKERS = 2
FEED_CHUNK = 2_000
COUNT_EVERY_S = 2.0
"""How often the answered bar is brought up to date once the desk has fed every booking: the
count reads the whole outcome table (~24 CPU-ms at 100,000 bookings), every 0.5 s it cost
about 5 CPU-s of the oracle replay."""
RUN_ID = "demo-oracle"
FULL_RUN_ID = "demo-full"
FULL_GALLERY_SUBJECTS = 10_000
ORACLE_BATCH = 1_000
"""Messages a worker leases at once in ``oracle`` mode (``benchmarks/pipeline.py``'s batch):
each lease, commit and batch's bookkeeping is shared by more bookings than at 300 (about
0.3 CPU-ms a booking less, measured on 20,000 of the demo's bookings)."""


@dataclass(frozen=True)
class RunPlan:
    """One replay of the demo: its run id, fidelity, galleries and the desk's input."""

    run_id: str
    mode: str
    galleries: str
    intakes: Callable[[list[int]], Iterable[Intake]]
    chunk: int = FEED_CHUNK
    batch: int = ORACLE_BATCH
    notes: Mapping[str, str] = field(default_factory=dict)
    """Said in the run's parameters, for its report (the full run: its thresholds)."""


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    )  # fmt: skip


def fresh_database(root: Path) -> tuple[str, Engine]:
    for suffix in ("", "-wal", "-shm"):
        (root / f"demo.db{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{root / 'demo.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    return url, engine


def answered_count(engine: Engine, run_id: str) -> int:
    query = select(func.count()).where(
        BookingOutcome.run_id == run_id, BookingOutcome.cjis_result.is_not(None)
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _galleries(root: Path, console: Console, world: World) -> str:
    name = f"demo-{DEMO_SPEC.seed}-{DEMO_SPEC.sample_fraction}"
    target = root / "galleries" / name
    if (target / "cjis.npz").exists() and (target / "ident.npz").exists():
        console.print(f"galleries: cached in {target}")
    else:
        with console.status("enrolling the FBI and IDENT galleries"):
            sizes = enrol(world, target)
        console.print(f"galleries: {sizes[0]:,} FBI subjects, {sizes[1]:,} IDENT subjects")
    return name


def _replay(
    console: Console, root: Path, url: str, engine: Engine, run: RunPlan, rows: list[int]
) -> float:
    """Enter ``rows`` at the booking desk while worker processes drain the queues."""
    import multiprocessing as mp

    open_run(
        engine, run.run_id, policy="historical", mode=run.mode, scenario=DEMO_SPEC.scenario,
        seed=DEMO_SPEC.seed,
        parameters={
            "world": DEMO_SPEC.to_json(), "galleries": run.galleries, "services": SERVICES,
            **run.notes,
        },
    )  # fmt: skip
    channel = WorkChannel(engine)
    registry = Registry.shipped()
    fed = mp.get_context("spawn").Event()
    start = time.perf_counter()
    config = WorkerConfig(url, str(root), batch_size=run.batch)
    workers = WorkerPool(config, WORKERS, channel, fed=fed)
    with _progress(console) as progress:
        entered = progress.add_task(f"{run.mode}: bookings booked (CARs)", total=len(rows))
        answered = progress.add_task(f"{run.mode}: answered by the FBI", total=len(rows))
        for i in range(0, len(rows), run.chunk):
            chunk = rows[i : i + run.chunk]
            items = list(run.intakes(chunk))
            with transaction(engine) as session:
                enter_bookings(session, channel, run.run_id, items, registry)
            progress.update(entered, advance=len(chunk))
            progress.update(answered, completed=answered_count(engine, run.run_id))
            workers.keep_up()
        fed.set()
        counted = [time.perf_counter()]

        def count_now_and_then() -> None:
            if time.perf_counter() - counted[0] >= COUNT_EVERY_S:
                progress.update(answered, completed=answered_count(engine, run.run_id))
                counted[0] = time.perf_counter()

        # wakes as soon as a worker ends (the queues are empty), not half a second later
        workers.wait(count_now_and_then)
        progress.update(answered, completed=answered_count(engine, run.run_id))
    if workers.failures:
        console.print(
            f"[yellow]{run.mode}: {len(workers.failures)} worker process(es) died (exit codes"
            f" {workers.failures}); the queues were drained all the same: nothing was lost[/yellow]"
        )
    finish_run(engine, run.run_id)
    return time.perf_counter() - start


def _report(
    engine: Engine, root: Path, counties: tuple[int, ...], run_id: str, folder: str
) -> Path:
    out = root / folder
    shutil.rmtree(out, ignore_errors=True)
    registry = Registry.shipped()
    activation = {
        f"{fips:05d}": registry.counties[f"{fips:05d}"].activation
        for fips in counties
        if f"{fips:05d}" in registry.counties
    }
    return write_report(load_and_build(engine, run_id, activation), out)


@dataclass(frozen=True)
class FullRun:
    """The demo's full-mode part: what it booked, where its prints and galleries are, and
    how long making them (``made_s``, 0 when cached) and replaying the bookings took, and the
    thresholds its searches decided at."""

    rows: list[int]
    directory: Path
    made_s: float
    replay_s: float
    thresholds: Thresholds


def full_part(
    console: Console, root: Path, url: str, engine: Engine, world: World,
    bookings: int | None = None, subjects: int | None = None, phases: PhaseTimes | None = None,
) -> FullRun:  # fmt: skip
    """Make (or reuse) the prints and galleries, then replay the full-mode bookings with
    ``WORKERS`` worker processes (``bookings`` and ``subjects`` default to the demo's; each
    step's CPU, worker processes included, goes to ``phases``)."""
    phases = PhaseTimes() if phases is None else phases
    count = FULL_BOOKINGS if bookings is None else bookings
    size = FULL_GALLERY_SUBJECTS if subjects is None else subjects
    rows = choose_rows(world, count)
    name = f"demo-full-{DEMO_SPEC.seed}-{DEMO_SPEC.sample_fraction}"
    directory = root / "galleries" / name
    key = {"rows": rows, "subjects": size, "world": DEMO_SPEC.to_json()}
    start = time.perf_counter()
    shipped_file = shipped_calibration()
    if prepared(directory, key, shipped_file.thresholds if shipped_file else None):
        console.print(f"full mode: prints and galleries cached in {directory}")
    else:
        if shipped_file is None:
            console.print("full mode: no shipped calibration says what it was made for")
        with phases.phase("full: prints and galleries", children=True):
            prep = _prepare(console, world, rows, directory, size, shipped_file)
        if prep.vetoed:
            console.print(
                f"full mode: the shipped thresholds were calibrated for other galleries"
                f" ({', '.join(prep.vetoed)} differ): calibrated at run time"
            )
        times = prep.times
        console.print(
            f"full mode: prints and galleries made in {time.perf_counter() - start:.0f} s,"
            f" {times.total_cpu:.0f} CPU-s (by phase: {directory / 'times.json'})"
        )
    made = time.perf_counter() - start
    states = len({str(world.ori(r))[:2] for r in rows})
    years = sorted({world.booking(r).booked_at.year for r in rows})
    console.print(
        f"full mode: {len(rows)} tenprint bookings with WSQ images ({states} states, "
        f"{years[0]}-{years[-1]}), FBI and IDENT galleries of {size:,} "
        f"subjects each, {WORKERS} worker processes"
    )
    thresholds = thresholds_used(directory)
    console.print(f"full mode: {thresholds.describe()}")
    plan = RunPlan(
        FULL_RUN_ID, "full", name,
        lambda chunk: list(full_intakes(world, chunk, directory)), chunk=10, batch=2,
        notes={"thresholds": thresholds.describe()},
    )  # fmt: skip
    with phases.phase("full: bookings replayed", children=True):
        replayed = _replay(console, root, url, engine, plan, rows)
    return FullRun(rows, directory, made, replayed, thresholds)


def _prepare(
    console: Console, world: World, rows: list[int], directory: Path, size: int,
    shipped: ShippedCalibration | None,
) -> Prepared:  # fmt: skip
    """``demo_full.prepare`` under progress bars, at the shipped thresholds if its pool finds
    that they were calibrated for these galleries."""
    with _progress(console) as progress:
        tasks = {
            "prints": progress.add_task("full: booked people's prints", total=len(rows)),
            "cjis": progress.add_task("full: FBI gallery", total=size),
            "ident": progress.add_task("full: IDENT gallery", total=size),
        }

        def tick(what: str, count: int) -> None:
            if what not in tasks:  # the calibration's, known to be needed only once vetted
                total = 2 * calibration.CALIBRATION_SEARCHES
                tasks[what] = progress.add_task("full: threshold calibration", total=total)
            progress.update(tasks[what], advance=count)

        made = prepare(
            world, DEMO_SPEC.to_json(), rows, directory, size, tick,
            shipped=shipped.thresholds if shipped else None,
            vet=partial(vetoes, shipped, size) if shipped else None,
        )  # fmt: skip
        for task in tasks.values():
            progress.update(task, completed=progress.tasks[task].total)
    return made


def run_demo(console: Console, quick: bool = False) -> None:
    """Replay a synthetic world through the agencies and report on it: the image-level part
    (200 tenprint bookings against 10,000-subject galleries) first, then the oracle replay.

    ``quick`` skips the image-level part (its first run makes 120,000 templates; cached after).
    """
    full = not quick
    started = time.perf_counter()
    one_thread_per_process()  # here and in every worker process the demo starts
    phases = PhaseTimes()
    root = data_dir() / "demo"
    root.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]scomm demo[/bold]: Secure Communities, replayed")
    with console.status("generating the synthetic world"), phases.phase("world"):
        world = build_world(DEMO_SPEC)
    console.print(
        f"world: {len(world.people):,} people, {len(world.bookings):,} bookings in "
        f"{len(DEMO_SPEC.counties)} counties of {len({c // 1000 for c in DEMO_SPEC.counties})}"
        f" states, {DEMO_SPEC.start} to {DEMO_SPEC.end}"
    )
    with phases.phase("oracle galleries, database"):
        gallery = _galleries(root, console, world)
        url, engine = fresh_database(root)
    if full:
        run = full_part(console, root, url, engine, world, phases=phases)
        made, full_elapsed = run.made_s, run.replay_s
        done = _counts(engine, FULL_RUN_ID)
        hits = _full_accuracy(engine, world, run.rows)
        full_line = (
            f"{FULL_RUN_ID}: {done['bookings']:,} bookings with images in {full_elapsed:.0f} s"
            f" ({full_elapsed / max(1, done['bookings']):.2f} s each; prints and galleries"
            f" {made:.0f} s), FBI identified {hits['cjis_hits']} of {hits['cjis_on_file']} on"
            f" file ({hits['cjis_false']} false), IDENT matched {hits['ident_hits']} of"
            f" {hits['ident_on_file']} ({hits['ident_false']} false) at its"
            f" {run.thresholds.describe()}; "
        )
        full_detainers = f"; {FULL_RUN_ID}: {done['detainers']} detainers"
    else:
        console.print(
            "[yellow]full mode (images, templates, 1:N search) skipped (--quick)[/yellow]"
        )
        full_line = full_detainers = ""
    order = time_order(world)
    rows = [int(r) for r in order[: max(ORACLE_BOOKINGS, min(len(order), ORACLE_BOOKINGS))]]
    console.print(f"oracle mode: {len(rows):,} bookings, {WORKERS} worker processes, SQLite")
    oracle = RunPlan(RUN_ID, "oracle", gallery, lambda chunk: list(intakes(world, chunk)))
    with phases.phase("oracle: bookings replayed", children=True):
        elapsed = _replay(console, root, url, engine, oracle, rows)
    with phases.phase("ledger verified, reports written", children=True):
        channel = WorkChannel(engine)
        dead = sum(d["dead"] for d in channel.depths().values())
        checkpoint = Ledger(engine, root / "keys", migrate=False).checkpoint()
        # the longest step left (~20 CPU-s at 100,000 bookings) runs beside the reports
        with (
            ledger_verified_meanwhile(url, root / "keys") as verification,
            console.status("writing the reports, verifying the ledger"),
        ):
            report = _report(engine, root, DEMO_SPEC.counties, RUN_ID, "report")
            full_report = (
                _report(engine, root, DEMO_SPEC.counties, FULL_RUN_ID, "report-full")
                if full
                else None
            )
            counts = _counts(engine, RUN_ID)
            verified = verification()
    console.print("where the time went (CPU s: this process and the workers it started)")
    for line in phases.rows():
        console.print(line, highlight=False)
    console.rule("summary")
    console.print(
        f"1. {full_line}{RUN_ID}: {counts['bookings']:,} bookings replayed in {elapsed:.0f} s"
        f" ({counts['bookings'] / elapsed:,.0f}/s); {dead} dead letters"
    )
    console.print(
        f"2. FBI ({RUN_ID}): {counts['identified']:,} identified, {counts['errt']:,} rejected; "
        f"IDENT searched {counts['searched']:,}, matched {counts['matched']:,}"
    )
    console.print(
        f"3. ICE ({RUN_ID}): {counts['detainers']:,} detainers, {counts['custody']:,} booked"
        f" into ICE custody, {counts['removed']:,} removed ({counts['citizens']:,} matched US"
        f" citizens){full_detainers}"
    )
    console.print(
        f"4. ledger: {verified.tree_size:,} disclosures logged, verified with "
        f"{verified.problem_count} problems, checkpoint signed at size {checkpoint.size:,}"
    )
    total = time.perf_counter() - started
    reports = f"{report} and {full_report}" if full_report else str(report)
    console.print(f"5. reports: {reports}  (total {total:.0f} s)")


def _full_accuracy(engine: Engine, world: World, rows: list[int]) -> dict[str, int]:
    """The full-mode answers against the truth: who was on file, who was found."""
    o = BookingOutcome
    query = select(o.tcn, o.cjis_result, o.ident_match).where(o.run_id == FULL_RUN_ID)
    with engine.connect() as conn:
        answers = {str(tcn): (result, match) for tcn, result, match in conn.execute(query)}
    figures = dict.fromkeys(
        ("cjis_on_file", "cjis_hits", "cjis_false", "ident_on_file", "ident_hits", "ident_false"), 0
    )
    for row in rows:
        in_cjis, in_ident = on_file(world, row)
        result, match = answers.get(str(world.booking(row).tcn), (None, None))
        found_cjis, found_ident = result == "I", bool(match)
        figures["cjis_on_file"] += in_cjis
        figures["cjis_hits"] += in_cjis and found_cjis
        figures["cjis_false"] += found_cjis and not in_cjis
        figures["ident_on_file"] += in_ident
        figures["ident_hits"] += in_ident and found_ident
        figures["ident_false"] += found_ident and not in_ident
    return figures


def _counts(engine: Engine, run_id: str) -> dict[str, int]:
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
    query = select(*measures.values()).where(o.run_id == run_id)
    with engine.connect() as conn:
        row = conn.execute(query).one()
    return {name: int(value or 0) for name, value in zip(measures, row, strict=True)}
