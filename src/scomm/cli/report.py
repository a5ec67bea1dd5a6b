"""``scomm report``, ``scomm compare`` and ``scomm national``: the statistics of a run, two
policies on the same world, and the calibrated national run (docs/reports.md)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from scomm.cli.compare_page import write_comparison
from scomm.cli.national import print_result, run_national
from scomm.cli.replay_driver import Store, replay
from scomm.policy import Registry
from scomm.reports import Outcomes, ReportError, build_report, write_report
from scomm.sim.national import NationalSpec, activation_dates
from scomm.sim.replay import SERVICES, WorldSpec, build_world, enrol, time_order
from scomm.store import data_dir, default_database_url, make_engine

app = typer.Typer(no_args_is_help=True)
console = Console()


def _activation() -> dict[str, dt.date | None]:
    return {f"{k:05d}": v for k, v in activation_dates(Registry.shipped()).items()}


@app.command()
def report(
    run_id: Annotated[str, typer.Argument(help="the run to report on (see `scomm status`)")],
    out: Annotated[
        Path | None, typer.Option("--out", help="folder (default <data dir>/reports/RUN)")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="database URL (default: $SCOMM_DATABASE_URL, else the data directory's scomm.db)",
        ),
    ] = None,
) -> None:
    """Write a finished run's report: HTML with figures and a CSV per table."""
    started = time.perf_counter()
    url = database or default_database_url()
    try:
        outcomes = Outcomes.load(make_engine(url), run_id)
    except ReportError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    target = out or data_dir() / "reports" / run_id
    built = build_report(outcomes, _activation())
    path = write_report(built, target)
    seconds = time.perf_counter() - started
    console.print(f"report: {path}  ({len(outcomes):,} booking rows, {seconds:.1f} s)")
    for headline in built.headlines:
        console.print(f"  {headline.text}")


@app.command()
def compare(
    preset: Annotated[list[str], typer.Option("--preset", help="a policy preset; give it twice")],
    scenario: Annotated[
        str, typer.Option("--scenario", help="scenario name")
    ] = "national-2008-2011",
    seed: Annotated[int, typer.Option("--seed", help="the world's seed")] = 20081027,
    sample: Annotated[float, typer.Option("--sample", help="the world's sample fraction")] = 0.002,
    bookings: Annotated[
        int | None,
        typer.Option(
            "--bookings",
            help="replay about this many (1 in F of the world's, weight x F); default: all",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="worker processes")] = 2,
    out: Annotated[
        Path | None, typer.Option("--out", help="folder (default <data dir>/compare)")
    ] = None,
) -> None:
    """Run the same world (scenario, seed, sample) under two presets and compare the reports."""
    if len(preset) != 2:
        console.print("[red]give exactly two presets: --preset A --preset B[/red]")
        raise typer.Exit(2)
    target = out or data_dir() / "compare"
    spec = WorldSpec(scenario=scenario, seed=seed, sample_fraction=sample)
    with console.status("generating the world"):
        world = build_world(spec)
    store = Store.fresh(target / "store")
    gallery = "compare"
    with console.status("enrolling the FBI and IDENT galleries"):
        enrol(world, store.root / "galleries" / gallery)
    order = time_order(world)
    step = 1 if bookings is None else max(1, len(order) // bookings)
    rows = [int(r) for r in order[::step]]
    if step > 1:
        console.print(
            f"replaying 1 booking in {step} of the world's {len(order):,} ({len(rows):,}), "
            f"each weighing {step} times more"
        )
    parameters = {"world": spec.to_json(), "galleries": gallery, "services": SERVICES}
    runs = []
    for name in preset:
        run_id = f"compare-{Path(name).stem}"
        replay(
            store, run_id, world, rows, policy=name, scenario=scenario, seed=seed,
            parameters=parameters, workers=workers, console=console, weight_factor=step,
        )  # fmt: skip
        runs.append(Outcomes.load(store.engine, run_id))
    path = write_comparison(runs[0], runs[1], target)
    console.print(f"comparison: {path}")


@app.command()
def national(
    sample: Annotated[
        int, typer.Option("--sample", min=1, help="replay 1 booking in K (weight K)")
    ] = 300,
    workers: Annotated[int, typer.Option("--workers", min=1, help="worker processes")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="the world's seed")] = 20081027,
    limit: Annotated[
        int | None, typer.Option("--limit", help="only the first N bookings (checks)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="folder (default <data dir>/national)")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="print the figures as JSON last")
    ] = False,
) -> None:
    """The calibrated national-2008-2011 run through the agencies, against ICE's figures."""
    root = out or data_dir() / "national"
    shutil.rmtree(root / "report", ignore_errors=True)
    result = run_national(NationalSpec(sample=sample, seed=seed), workers, root, console, limit)
    print_result(result, console)
    if json_out:
        print(json.dumps(result.to_json()))
