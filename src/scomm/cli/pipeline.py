"""``scomm init / enroll / submit / run / status``: the pipeline from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, func, select

from scomm.agencies import (
    STAGES,
    OracleGallery,
    enter_bookings,
    full_calibration,
    open_run,
    routing,
)
from scomm.agencies.context import policy_by_name
from scomm.agencies.full import enrol_car
from scomm.agencies.full_calibration import Uncalibrated
from scomm.agencies.oracle import token_of
from scomm.agencies.services import CJIS_GALLERY, IDENT_GALLERY, factory
from scomm.agencies.workers import WorkerConfig, WorkerPool, WorkersFailed, make_worker
from scomm.biometrics import DEFAULT_FPIR, ImageError
from scomm.biometrics.gallery import Gallery
from scomm.cli.live_runs import (
    DEFAULT_GALLERY,
    DataDir,
    check_run,
    console,
    fail,
    gallery_folder,
    live_run_id,
    open_data_dir,
    run_parameters,
    submitted_intake,
)
from scomm.ebts import (
    EbtsError,
    finger_images,
    parse,
    read_detainer,
    read_errt,
    read_iar,
    read_sre,
)
from scomm.ledger import Ledger
from scomm.policy import Registry
from scomm.store import (
    WorkChannel,
    transaction,
)
from scomm.store.outcome_tables import BookingOutcome, ReplayRun

app = typer.Typer(no_args_is_help=True)
STATE_NAMES = ("ready", "delayed", "leased", "dead", "done")


@app.command()
def init(directory: DataDir = None) -> None:
    """Create the data directory: database (migrated), ledger signing key, gallery folder."""
    root, _, engine = open_data_dir(directory)
    ledger = Ledger(engine, root / "keys", migrate=False)
    verifier = ledger.verifier
    (root / "galleries" / "default").mkdir(parents=True, exist_ok=True)
    console.print(f"data directory {root}")
    console.print(f"database       {engine.url.render_as_string(hide_password=True)}")
    console.print(f"ledger key     {verifier.name} ({root / 'keys'})")
    console.print("galleries      run `scomm enroll` to fill them")


@app.command()
def enroll(
    directory: DataDir = None,
    gallery: Annotated[str, typer.Option(help="gallery set under galleries/")] = DEFAULT_GALLERY,
    synthetic: Annotated[
        float, typer.Option(help="enrol a synthetic world with this sample fraction")
    ] = 0.0,
    cjis: Annotated[
        list[Path] | None, typer.Option(help="CAR files (.an2) to enrol in the FBI file")
    ] = None,
    ident: Annotated[
        list[Path] | None, typer.Option(help="CAR files (.an2) to enrol in IDENT")
    ] = None,
    enrolled_on: Annotated[
        str, typer.Option(help="enrolment date of file subjects")
    ] = "2000-01-01",
) -> None:
    """Fill the criminal master file and IDENT galleries, from a synthetic world or CAR files."""
    root, _, _ = open_data_dir(directory)
    target = gallery_folder(root, gallery)
    from scomm.sim.replay import WORLD_FILE, WorldSpec, build_world, enrol, save_world_spec

    if synthetic > 0:
        spec = WorldSpec(sample_fraction=synthetic)
        with console.status("generating the synthetic world"):
            world = build_world(spec)
            sizes = enrol(world, target)
        save_world_spec(target, spec)
        console.print(f"enrolled {sizes[0]:,} in {target / CJIS_GALLERY}")
        console.print(f"enrolled {sizes[1]:,} in {target / IDENT_GALLERY}")
        console.print(f"world recorded in {target / WORLD_FILE}")
        return
    if not cjis and not ident:
        raise fail("give --synthetic FRACTION, or --cjis/--ident CAR files")
    if (target / WORLD_FILE).exists():
        raise fail(
            f"gallery set {gallery!r} holds a synthetic world ({target / WORLD_FILE}); "
            "enrol CAR files into another set: --gallery NAME"
        )
    day = dt.date.fromisoformat(enrolled_on).toordinal()
    for name, files in (("cjis", cjis), ("ident", ident)):
        if files:
            _enrol_files(target, name, files, day)


def _enrol_files(target: Path, name: str, files: list[Path], day: int) -> None:
    """Oracle CARs go to the oracle gallery; CARs with images are extracted into the full one,
    which is then calibrated on strangers' extracted prints (cached beside the galleries) and
    keeps its thresholds for every later search."""
    tokens: list[str] = []
    ids: list[str] = []
    full: Gallery | None = None
    for path in files:
        record_id = ("F" if name == "cjis" else "FIN") + path.stem[-12:].upper()
        try:
            data = path.read_bytes()
            token = token_of(finger_images(parse(data)))
            if token is None:
                full = full or Gallery.open(target / f"{name}-full")
                enrol_car(full, record_id, data)
            else:
                tokens.append(token)
                ids.append(record_id)
        except (OSError, EbtsError, ImageError) as error:
            raise fail(f"{path}: {error}") from None
    if tokens:
        filename = CJIS_GALLERY if name == "cjis" else IDENT_GALLERY
        OracleGallery(name, tokens, [day] * len(tokens), ids).save(target / filename)
        console.print(f"enrolled {len(tokens)} oracle subjects in {target / filename}")
    if full is None:
        return
    full.flush()
    console.print(f"enrolled {len(full):,} subjects (extracted templates) in {full.path}")
    strangers = full_calibration.STRANGERS
    counts = tuple(full_calibration.CALIBRATED_FINGERS)
    with _progress() as progress:
        made = progress.add_task("calibration: strangers' prints", total=strangers.fingers)
        people = full_calibration.cached_strangers(
            target / full_calibration.STRANGERS_FOLDER,
            strangers,
            lambda n: progress.advance(made, n),
        )
        searched = progress.add_task(
            f"calibration: {name} non-mated searches", total=len(people) * len(counts)
        )
        found = full_calibration.calibrate_counts(
            full, people, counts=counts, tick=lambda n: progress.advance(searched, n)
        )
    full.flush()
    values = ", ".join(
        f"{count} finger{'s' * (count > 1)} {found[count]:.6f}" for count in sorted(found)
    )
    console.print(f"thresholds at FPIR {DEFAULT_FPIR:.0%} ({len(people)} strangers): {values}")


def _show(tot: str, payload: bytes) -> str:
    tx = parse(payload)
    if tot == "SRE":
        sre = read_sre(tx)
        word = "IDENTIFIED" if sre.identified else "not identified"
        return f"SRE {word} {sre.fbi_number}".strip()
    if tot == "ERRT":
        return "ERRT " + " | ".join(read_errt(tx).messages)
    if tot == "IAR":
        iar = read_iar(tx)
        return (
            f"IAR status {iar.status.value}, removable {iar.removable}, office {iar.field_office}"
        )
    if tot == "DTNR":
        d = read_detainer(tx)
        return f"DETAINER {d.form} action {d.action.value}, hold {d.hold_hours} h, {d.basis}"
    return tot


@app.command()
def submit(
    car_file: Annotated[Path, typer.Argument(help="an ANSI/NIST CAR transaction (.an2)")],
    directory: DataDir = None,
    policy: Annotated[str, typer.Option(help="policy preset or file")] = "historical",
    gallery: Annotated[str, typer.Option(help="gallery set under galleries/")] = DEFAULT_GALLERY,
    mode: Annotated[str, typer.Option(help="oracle, or full (images searched 1:N)")] = "oracle",
) -> None:
    """Submit one booking end to end; print the SRE, any IAR and detainer, and the ledger."""
    root, url, engine = open_data_dir(directory)
    try:
        payload = car_file.read_bytes()
        intake = submitted_intake(payload)
    except (OSError, EbtsError) as error:
        raise fail(f"{car_file}: {error}") from None
    booking = intake.booking
    registry = Registry.shipped()
    if mode not in ("oracle", "full"):
        raise fail(f"mode must be oracle or full, not {mode!r}")
    try:
        policy_name = policy_by_name(policy).name
    except (OSError, ValueError) as error:
        raise fail(f"policy {policy!r}: {error}") from None
    parameters = run_parameters(gallery_folder(root, gallery))
    try:  # before the booking is accepted: a run that cannot search takes nothing in
        factory(parameters)({**parameters, "mode": mode}, root, registry)
    except (FileNotFoundError, NotImplementedError, Uncalibrated) as error:
        raise fail(str(error)) from None
    run_id = live_run_id(gallery, policy_name, mode)
    open_run(engine, run_id, policy=policy, mode=mode, parameters=parameters)
    check_run(engine, run_id, parameters, policy, mode)
    channel = WorkChannel(engine)
    tcn = booking.tcn.value
    worker = make_worker(WorkerConfig(url, str(root)))
    with transaction(engine) as session:
        if session.get(BookingOutcome, (run_id, tcn)) is not None:
            raise fail(f"booking {tcn} was already submitted")
        enter_bookings(session, channel, run_id, [intake], registry)
    worker.stages = tuple(s for s in STAGES if s != routing.LEA_INBOX)
    worker.run()
    received = channel.lease(routing.LEA_INBOX, worker.worker_id, 60.0, 1000)
    mine = [lease for lease in received if routing.MessageKey.parse(lease.key).tcn == tcn]
    console.rule(f"booking {tcn} ({booking.ori}, {booking.booked_at:%Y-%m-%d %H:%M} UTC)")
    for lease in mine:
        console.print(_show(routing.MessageKey.parse(lease.key).tot, lease.payload))
    worker.runner.process(received)
    worker.stages = STAGES
    worker.run()
    ledger = Ledger(engine, root / "keys", migrate=False)
    table = Table(title="ledger entries this booking caused")
    for column in ("#", "time (UTC)", "message", "from", "to", "allowed", "rules"):
        table.add_column(column)
    for record in ledger.entries_for_tcn(tcn):
        event = record.event
        table.add_row(
            str(record.index), f"{event.utc_time:%Y-%m-%d %H:%M}", event.transfer, event.sender,
            event.recipient, "yes" if event.allowed else "[red]refused[/red]",
            ", ".join(event.rule_ids[-2:]),
        )  # fmt: skip
    console.print(table)


@app.command()
def run(
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 2,
    directory: DataDir = None,
    forever: Annotated[bool, typer.Option(help="keep polling when the queues are empty")] = False,
) -> None:
    """Drain the queues with N worker processes."""
    root, url, engine = open_data_dir(directory)
    channel = WorkChannel(engine)
    total = channel.pending()
    config = WorkerConfig(url, str(root), until_idle=not forever)
    pool = WorkerPool(config, workers, channel)
    with _progress() as progress:
        task = progress.add_task("messages", total=max(total, 1))

        def show() -> None:
            left = channel.pending()
            progress.update(task, completed=max(0, total - left), total=max(total, left, 1))

        try:
            pool.wait(show)
        except WorkersFailed as failure:
            console.print(f"[red]{failure}: `scomm run` again drains them[/red]")
            raise typer.Exit(1) from None
        progress.update(task, completed=total)
    if pool.failures:
        console.print(f"[yellow]worker processes died (exit codes {pool.failures})[/yellow]")
    dead = sum(d["dead"] for d in channel.depths().values())
    console.print(f"drained with {workers} workers; {channel.pending()} left, {dead} dead letters")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console,
    )  # fmt: skip


def run_counts(engine: Engine) -> list[dict[str, Any]]:
    o = BookingOutcome
    query = (
        select(
            o.run_id,
            func.count(),
            func.sum(func.cast(o.cjis_result.is_not(None), type_=o.age.type)),
            func.sum(func.cast(o.ident_match, type_=o.age.type)),
            func.sum(func.cast(o.detainer_issued, type_=o.age.type)),
        )
        .group_by(o.run_id)
        .order_by(o.run_id)
    )
    with engine.connect() as conn:
        modes = dict(conn.execute(select(ReplayRun.run_id, ReplayRun.mode)).all())
        return [
            {"run": r, "mode": modes.get(r, "?"), "bookings": n, "answered": a or 0,
             "matches": m or 0, "detainers": d or 0}
            for r, n, a, m, d in conn.execute(query)
        ]  # fmt: skip


@app.command()
def status(directory: DataDir = None) -> None:
    """Queue depths per stage, bookings per run, the ledger's size."""
    root, _, engine = open_data_dir(directory)
    channel = WorkChannel(engine)
    depths = Table(title="work queues")
    depths.add_column("stage")
    for state in STATE_NAMES:
        depths.add_column(state, justify="right")
    for stage, counts in channel.depths().items():
        depths.add_row(
            stage, *(f"{counts[s]:,}" for s in ("ready", "delayed", "leased", "dead", "done"))
        )
    console.print(depths)
    runs = Table(title="runs")
    for column in ("run", "mode", "bookings", "answered", "matches", "detainers"):
        runs.add_column(column, justify="left" if column in ("run", "mode") else "right")
    for row in run_counts(engine):
        runs.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
    console.print(runs)
    ledger = Ledger(engine, root / "keys", migrate=False)
    console.print(f"ledger: {ledger.size():,} entries")
