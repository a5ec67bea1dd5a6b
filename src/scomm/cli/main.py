"""Entry point of the ``scomm`` command; each capability adds its own sub-command group."""

from __future__ import annotations

import typer
from rich.console import Console

import scomm
from scomm.agencies.workers import WorkersFailed
from scomm.cli import fingerprint, pipeline, sim
from scomm.cli.bookings import bookings_command
from scomm.cli.demo import run_demo
from scomm.cli.ebts import app as ebts_app
from scomm.cli.ledger import app as ledger_app
from scomm.cli.policy import app as policy_app
from scomm.cli.report import app as report_app
from scomm.cli.synth import synth_command

app = typer.Typer(
    name="scomm",
    help="Secure Communities, run for real: EBTS, fingerprints, policy, ledger, statistics.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
fingerprint.app.command("synth")(synth_command)
app.add_typer(policy_app)
app.add_typer(fingerprint.app, name="fingerprint")
app.add_typer(ledger_app, name="ledger")
app.add_typer(ebts_app, name="ebts")
app.add_typer(sim.app, name="sim")
app.add_typer(pipeline.app)
app.command("bookings")(bookings_command)
app.add_typer(report_app)


@app.command()
def version() -> None:
    """Print scomm's version."""
    console.print(f"scomm {scomm.__version__}")


@app.command()
def demo(
    quick: bool = typer.Option(
        False, "--quick", help="skip the 200 bookings with images (oracle replay only)"
    ),
    full: bool = typer.Option(
        False, "--full", hidden=True, help="no effect: the image-level part is the default"
    ),
) -> None:
    """Run the main job on the embedded defaults (what `make demo` runs)."""
    try:
        run_demo(console, quick=quick and not full)
    except WorkersFailed as failure:
        console.print(f"[red]scomm demo: {failure}; run `scomm demo` again[/red]")
        raise typer.Exit(1) from None


if __name__ == "__main__":  # pragma: no cover
    app()
