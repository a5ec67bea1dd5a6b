"""``scomm sim``: the simulation's scenario files — list, check, and show with sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scomm.sim.scenario import (
    Scenario,
    ScenarioError,
    builtin_scenario,
    load_scenario,
    scenario_names,
)

app = typer.Typer(
    help="Simulation scenarios: every parameter with its source.", no_args_is_help=True
)
console = Console()


def _scenario(name_or_path: str) -> Scenario:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_scenario(path)
    return builtin_scenario(name_or_path)


@app.command("scenarios")
def list_scenarios() -> None:
    """List the scenarios shipped with scomm."""
    for name in scenario_names():
        console.print(f"{name}: {builtin_scenario(name).description}")


@app.command()
def check(path: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Validate a scenario file; errors name the file and line."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as err:
        console.print(f"[red]{err}[/red]", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"{path}: scenario {scenario.name!r} is valid ({scenario.start} .. {scenario.end})"
    )


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 70 else text[:67] + "..."


@app.command()
def show(
    scenario: Annotated[str, typer.Argument(help="shipped scenario name or YAML file")],
) -> None:
    """Print every parameter of a scenario with its value and source."""
    try:
        loaded = _scenario(scenario)
    except ScenarioError as err:
        console.print(f"[red]{err}[/red]", highlight=False)
        raise typer.Exit(1) from None
    table = Table(title=f"{loaded.name} (seed {loaded.seed}, {loaded.start} .. {loaded.end})")
    for column in ("parameter", "value", "source"):
        table.add_column(column, overflow="fold")
    for group in ("population", "ice"):
        section = getattr(loaded.parameters, group)
        for name in type(section).model_fields:
            param = getattr(section, name)
            table.add_row(f"{group}.{name}", _short(param.value), param.source)
    console.print(table)
