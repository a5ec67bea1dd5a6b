"""``scomm bookings``: sample booking CARs of the synthetic world a gallery set was enrolled
from, for ``scomm submit``.

The samples cover the four kinds of people the demo books (in the FBI file, in IDENT, both,
neither), and put first the bookings that lead to a detainer under ``historical``: those are
found by running candidate bookings through the agencies in a scratch store, with the same run
parameters as ``scomm submit`` uses, so the outcome printed here is the one submit will give.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table
from sqlalchemy import select

from scomm.agencies import enter_bookings, open_run
from scomm.agencies.workers import WorkerConfig, make_worker
from scomm.cli.live_runs import (
    DEFAULT_GALLERY,
    DataDir,
    console,
    fail,
    gallery_folder,
    open_data_dir,
    run_parameters,
    submitted_intake,
)
from scomm.cli.replay_driver import Store
from scomm.policy import Registry
from scomm.sim.replay import WORLD_FILE, build_world, intakes, load_world_spec, time_order
from scomm.sim.world import World
from scomm.store import WorkChannel, transaction
from scomm.store.outcome_tables import BookingOutcome

CANDIDATES = 300
"""Bookings of people in IDENT run through the scratch store to find detainers."""
KINDS = ("FBI file and IDENT", "FBI file only", "IDENT only", "neither")
PROBE_RUN = "sample-probe"


@dataclass(frozen=True)
class Replayed:
    """What a booking led to in the scratch run (submit's parameters, policy historical)."""

    identified: bool
    ident_match: bool
    detainer: str | None


def bookings_command(
    out_dir: Annotated[Path, typer.Argument(help="folder to write the .an2 files to")],
    count: Annotated[int, typer.Option("--count", min=1, help="how many bookings")] = 8,
    gallery: Annotated[
        str, typer.Option(help="gallery set under galleries/ (enrolled with --synthetic)")
    ] = DEFAULT_GALLERY,
    directory: DataDir = None,
) -> None:
    """Write sample booking CARs of the enrolled synthetic world, for `scomm submit`.

    Oracle CARs (their prints stand for the person, as in the synthetic
    galleries): submit them in the default oracle mode. The first ones lead
    to a detainer under `historical` (found by running the world's rules);
    the rest cover people in the FBI file, in IDENT, in both and in neither.
    """
    root, _, _ = open_data_dir(directory)
    target = gallery_folder(root, gallery)
    try:
        spec = load_world_spec(target)
    except ValueError as error:
        raise fail(str(error)) from None
    if spec is None:
        raise fail(
            f"gallery set {gallery!r} has no {WORLD_FILE}: enrol a synthetic world first "
            f"(`scomm enroll --synthetic 0.002 --gallery {gallery}`)"
        )
    with console.status("generating the synthetic world"):
        world = build_world(spec)
    in_fbi, in_ident = world.truth_arrays()
    latest = time_order(world)[::-1]
    candidates = [int(r) for r in latest[in_ident[latest]][:CANDIDATES]]
    by_kind = _by_kind(world, latest, in_fbi, in_ident, count)
    try:
        with console.status(f"running {len(candidates):,} bookings of people in IDENT"):
            replayed = _replay(root, target, world, sorted({*candidates, *by_kind}))
    except FileNotFoundError as error:  # world.json without its galleries
        raise fail(
            f"{error}; enrol again: `scomm enroll --synthetic {spec.sample_fraction}`"
        ) from None
    detainers = [r for r in candidates if replayed[r].detainer][: max(1, count // 4)]
    if not detainers:
        console.print(
            f"[yellow]none of the {len(candidates)} latest bookings of people in IDENT led to "
            "a detainer under historical[/yellow]"
        )
    chosen = (detainers + [r for r in by_kind if r not in detainers])[:count]
    out_dir.mkdir(parents=True, exist_ok=True)
    table = Table(title=f"oracle CARs of the world in gallery set {gallery}, written to {out_dir}")
    for column in ("file", "TCN", "agency", "booked", "FBI file", "IDENT", "status",
                   "submit gives"):  # fmt: skip
        table.add_column(column, no_wrap=column in ("TCN", "file"))
    for number, item in enumerate(intakes(world, chosen), 1):
        row = chosen[number - 1]
        path = out_dir / f"booking-{number:02d}.an2"
        path.write_bytes(item.car)
        table.add_row(
            path.name, item.booking.tcn.value, item.booking.ori.value,
            f"{item.booking.booked_at:%Y-%m-%d}", _yes(in_fbi[row]), _yes(in_ident[row]),
            world.status(int(world.bookings.person[row])).value, _said(replayed[row]),
        )  # fmt: skip
    console.print(table)


def _yes(flag: Any) -> str:
    return "yes" if bool(flag) else "no"


def _said(outcome: Replayed) -> str:
    if outcome.detainer:
        return f"DETAINER {outcome.detainer}"
    if outcome.ident_match:
        return "IDENT match"
    return "identified" if outcome.identified else "not identified"


def _by_kind(
    world: World,
    latest: np.ndarray[Any, Any],
    in_fbi: np.ndarray[Any, Any],
    in_ident: np.ndarray[Any, Any],
    count: int,
) -> list[int]:
    """The latest bookings of each kind of person, taken in turn, one booking a person."""
    kinds = (in_fbi & in_ident, in_fbi & ~in_ident, ~in_fbi & in_ident, ~in_fbi & ~in_ident)
    queues = [iter(latest[kind[latest]].tolist()) for kind in kinds]
    people: set[int] = set()
    chosen: list[int] = []
    while len(chosen) < count and queues:
        for queue in list(queues):
            row = next((r for r in queue if int(world.bookings.person[r]) not in people), None)
            if row is None:
                queues.remove(queue)
                continue
            people.add(int(world.bookings.person[row]))
            chosen.append(int(row))
    return chosen


def _replay(root: Path, target: Path, world: World, rows: Sequence[int]) -> dict[int, Replayed]:
    """Each booking's outcome when submitted alone as ``scomm submit`` does, in a scratch store
    that reads the data directory's galleries (the user's store is left as it is)."""
    parameters = run_parameters(target)
    with tempfile.TemporaryDirectory(prefix="scomm-bookings-") as scratch:
        store = Store.fresh(Path(scratch))
        (store.root / "galleries").mkdir()
        (store.root / "galleries" / target.name).symlink_to(target.resolve())
        open_run(store.engine, PROBE_RUN, policy="historical", mode="oracle", parameters=parameters)
        channel = WorkChannel(store.engine)
        desk = [submitted_intake(item.car) for item in intakes(world, rows)]
        with transaction(store.engine) as session:
            enter_bookings(session, channel, PROBE_RUN, desk, Registry.shipped())
        worker = make_worker(WorkerConfig(store.url, str(store.root)))
        worker.run()
        worker.channel.engine.dispose()  # its own engine: closed before the folder goes
        o = BookingOutcome
        query = select(o.tcn, o.cjis_result, o.ident_match, o.detainer_form).where(
            o.run_id == PROBE_RUN
        )
        with store.engine.connect() as conn:
            found = {
                tcn: Replayed(result == "I", bool(match), form)
                for tcn, result, match, form in conn.execute(query)
            }
        store.engine.dispose()
    tcns = {row: item.booking.tcn.value for row, item in zip(rows, desk, strict=True)}
    return {row: found[tcn] for row, tcn in tcns.items()}
