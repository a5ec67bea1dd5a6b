"""``scomm policy``: explain, check and compare sharing policies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from scomm.policy import (
    BookingFacts,
    PolicyError,
    PolicySet,
    Registry,
    Transfer,
    load_policy,
    preset_names,
)

app = typer.Typer(
    name="policy",
    help="Sharing policies: explain a decision, check a policy file, compare two policies.",
    no_args_is_help=True,
)
console = Console()


def _policy(name: str) -> PolicySet:
    try:
        return load_policy(name)
    except PolicyError as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _noon(day: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), dt.UTC)
    except ValueError:
        raise typer.BadParameter(f"{day!r} is not a date (YYYY-MM-DD)") from None


Policy = Annotated[
    str, typer.Option("--preset", "--policy", "-p", help="a preset name or a policy YAML file")
]


@app.command()
def explain(
    ori: Annotated[str, typer.Option(help="the booking agency's ORI, e.g. CA0190000")],
    date: Annotated[str, typer.Option(help="the event date, YYYY-MM-DD")],
    policy: Policy = "historical",
    offense: Annotated[list[str] | None, typer.Option(help="arrest offense NCIC code")] = None,
    conviction: Annotated[bool, typer.Option(help="a conviction is known")] = False,
    juvenile: bool = False,
    victim: bool = False,
    witness: bool = False,
    dv_victim: Annotated[bool, typer.Option(help="domestic-violence victim")] = False,
    county_consent: Annotated[bool, typer.Option(help="the county takes part")] = True,
    state_consent: Annotated[bool, typer.Option(help="the state takes part")] = True,
    agency_consent: Annotated[bool, typer.Option(help="the agency takes part")] = True,
) -> None:
    """Print every transfer's decision for one booking, with the rules and dates behind it."""
    rules = _policy(policy)
    registry = Registry.shipped()
    try:
        facts = BookingFacts.for_ori(
            ori.strip().upper(),
            _noon(date),
            registry,
            offenses=offense or (),
            conviction_known=conviction,
            juvenile=juvenile,
            victim=victim,
            witness=witness,
            domestic_violence_victim=dv_victim,
            county_consented=county_consent,
            state_consented=state_consent,
            agency_consented=agency_consent,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    county = registry.county_for_ori(facts.ori)
    agency = registry.agencies.get(facts.ori)
    console.print(f"[bold]{facts.ori}[/bold] {agency.name if agency else '(not in the registry)'}")
    if county:
        console.print(
            f"county {county}, activated {county.activation}"
            f" ({'from the data' if county.activation_source == 'data' else 'state completion'}),"
            f" ICE field office {county.field_office}"
        )
    else:
        console.print("county unknown: no activation date")
    console.print(f"policy {rules.name} ({rules.policy_hash[:16]}), date {date}\n")
    for decision in rules.explain_all(facts):
        verdict = "[green]allowed[/green]" if decision.allowed else "[red]refused[/red]"
        console.print(
            f"[bold]{decision.transfer.value}[/bold] ({decision.transfer.label}): {verdict}"
        )
        for reason in decision.reasons:
            if reason.startswith("prerequisite") and " allowed by " in reason:
                continue  # printed with that transfer, above
            console.print(f"    {reason}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def check(file: Annotated[str, typer.Argument(help="policy YAML file")]) -> None:
    """Validate a policy file; every problem is printed with its line number."""
    rules = _policy(file)
    console.print(
        f"[green]OK[/green] {rules.name}: {len(rules.rules)} compiled rules,"
        f" hash {rules.policy_hash}"
    )


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="first policy: preset name or YAML file")],
    b: Annotated[str, typer.Argument(help="second policy: preset name or YAML file")],
    date: Annotated[str, typer.Option(help="the event date, YYYY-MM-DD")],
    transfer: Annotated[list[Transfer] | None, typer.Option(help="only these transfers")] = None,
    limit: Annotated[int, typer.Option(help="rows to print (0: all)")] = 50,
) -> None:
    """List the ORIs whose decisions differ between two policies on a date (default facts)."""
    first, second = _policy(a), _policy(b)
    at = _noon(date)
    registry = Registry.shipped()
    wanted = transfer or list(Transfer)
    rows: list[tuple[str, str, str, bool, bool]] = []
    for ori in sorted(registry.agencies):
        facts = BookingFacts.for_ori(ori, at, registry)
        for step in wanted:
            x, y = first.decide(step, facts), second.decide(step, facts)
            if x.allowed != y.allowed:
                rows.append((ori, facts.county_fips or "-", step.value, x.allowed, y.allowed))
    oris = {row[0] for row in rows}
    console.print(
        f"{len(oris)} of {len(registry.agencies)} ORIs differ on {date}"
        f" ({len(rows)} decisions): {first.name} vs {second.name}"
    )
    if not rows:
        return
    table = Table("ORI", "county", "transfer", first.name, second.name)
    for ori, county, name, in_a, in_b in rows[: limit or None]:
        table.add_row(ori, county, name, "allow" if in_a else "deny", "allow" if in_b else "deny")
    console.print(table)
    if limit and len(rows) > limit:
        console.print(f"... {len(rows) - limit} more (--limit 0 for all)")


@app.command("presets")
def list_presets() -> None:
    """List the shipped presets."""
    for name in preset_names():
        rules = load_policy(name)
        console.print(f"[bold]{name}[/bold]: {' '.join(rules.description.split())}")
