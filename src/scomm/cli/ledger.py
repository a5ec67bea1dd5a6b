"""``scomm ledger``: verify the transparency log, prove disclosures, check proofs offline."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec

import typer
from rich.console import Console
from rich.progress import Progress

from scomm.ledger import (
    EventError,
    Ledger,
    NoteError,
    NoteVerifier,
    ProofDocumentError,
    ProofError,
    SignedCheckpoint,
    check_document,
    consistency_document,
    disclosure_report,
    inclusion_document,
    load_verifier,
)
from scomm.ledger.proofs import load_document
from scomm.store import data_dir, make_engine

app = typer.Typer(
    name="ledger",
    help="The transparency log of every disclosure: verify, prove, check.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: SCOMM_DATABASE_URL or the data dir)."),
]
KeysOption = Annotated[
    Path | None, typer.Option("--keys", help="Key directory (default: <data dir>/keys).")
]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{message}[/red]", highlight=False)
    return typer.Exit(code)


P = ParamSpec("P")


def _plain_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Report the ledger's own errors (an unsafe key file, a stored checkpoint that fails its
    signature, a proof that cannot exist) as a message and exit code 2, not a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except (NoteError, ProofError, EventError) as e:
            raise _fail(str(e), 2) from None

    return run


def _ledger(database: str | None, keys: Path | None) -> Ledger:
    return Ledger(make_engine(database), keys if keys is not None else data_dir() / "keys")


def _emit(document: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        err.print(f"wrote {out}")


def _verifier(path: Path) -> NoteVerifier:
    try:
        return load_verifier(path)
    except NoteError as e:
        raise _fail(str(e), 2) from None


def _date(value: str | None, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{what} {value!r} is not a date (YYYY-MM-DD)", 2) from None


@app.command()
@_plain_errors
def verify(
    database: DatabaseOption = None,
    keys: KeysOption = None,
    key: Annotated[
        Path | None, typer.Option("--key", help="Public key file to check signatures with.")
    ] = None,
) -> None:
    """Re-derive every hash and check every checkpoint; name the first entry that does not fit."""
    ledger = _ledger(database, keys)
    verifier = _verifier(key) if key is not None else ledger.verifier
    size = ledger.size()
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("verifying", total=size)
        report = ledger.verify(verifier, progress=lambda done, _: bar.update(task, completed=done))
    console.print(report.summary(), highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
@_plain_errors
def checkpoint(database: DatabaseOption = None, keys: KeysOption = None) -> None:
    """Sign and print a checkpoint of the log as it is now."""
    typer.echo(_ledger(database, keys).checkpoint().note, nl=False)


@app.command("public-key")
@_plain_errors
def public_key(
    database: DatabaseOption = None, keys: KeysOption = None, out: OutOption = None
) -> None:
    """Print the log's public (verifier) key, made on first use."""
    text = _ledger(database, keys).verifier.encode() + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)


@app.command()
@_plain_errors
def prove(
    tcn: Annotated[str, typer.Argument(help="The booking's transaction control number.")],
    database: DatabaseOption = None,
    keys: KeysOption = None,
    out: OutOption = None,
) -> None:
    """A JSON inclusion proof of every entry of one booking, against a signed checkpoint."""
    ledger = _ledger(database, keys)
    try:
        records = ledger.entries_for_tcn(tcn)
    except ValueError as e:
        raise _fail(str(e), 2) from None
    if not records:
        raise _fail(f"the log has no entry for TCN {tcn}")
    signed, proofs = ledger.proofs_for(records)
    _emit(inclusion_document(signed, records, proofs), out)


@app.command()
@_plain_errors
def consistency(
    old_checkpoint: Annotated[Path, typer.Argument(help="A signed checkpoint saved earlier.")],
    database: DatabaseOption = None,
    keys: KeysOption = None,
    out: OutOption = None,
) -> None:
    """Prove that the log now only extends OLD_CHECKPOINT: nothing changed, nothing removed."""
    ledger = _ledger(database, keys)
    try:
        old = SignedCheckpoint.open(old_checkpoint.read_text(), ledger.verifier)
    except (OSError, NoteError) as e:
        raise _fail(f"{old_checkpoint}: {e}", 2) from None
    new = ledger.checkpoint()
    if old.size > new.size:
        raise _fail(
            f"the log holds {new.size} entries but {old_checkpoint} signed {old.size}:"
            f" entries from {new.size} on were removed"
        )
    if ledger.root_hash(old.size) != old.root_hash:
        raise _fail(
            f"the log's first {old.size} entries no longer hash to the root that"
            f" {old_checkpoint} signed: history was rewritten"
        )
    document = consistency_document(old, new, ledger.consistency_proof(old.size, new.size))
    check_document(document, ledger.verifier)
    _emit(document, out)


@app.command("check-proof")
def check_proof(
    proof: Annotated[Path, typer.Argument(help="A proof document (from prove or consistency).")],
    key: Annotated[Path, typer.Option("--key", help="The log's public key file.")],
) -> None:
    """Verify a proof with nothing but the document and the public key (no database)."""
    verifier = _verifier(key)
    try:
        checked = check_document(load_document(proof.read_text()), verifier)
    except OSError as e:
        raise _fail(f"cannot read {proof}: {e.strerror}", 2) from None
    except ProofDocumentError as e:
        raise _fail(f"{proof}: proof does NOT verify: {e}") from None
    console.print(checked.summary(), highlight=False)


@app.command()
@_plain_errors
def report(
    ori: Annotated[str, typer.Option("--ori", help="The agency whose bookings to report.")],
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD).")
    ] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write CSV here.")] = None,
    proofs_out: Annotated[
        Path | None, typer.Option("--proofs", help="Also write a proof document here.")
    ] = None,
    database: DatabaseOption = None,
    keys: KeysOption = None,
) -> None:
    """Every disclosure of an agency's bookings, by recipient, with counts and proofs."""
    ledger = _ledger(database, keys)
    last = _date(end, "--to")
    until = last + dt.timedelta(days=1) if last is not None else None
    try:
        result = disclosure_report(ledger, ori, _date(start, "--from"), until)
    except ValueError as e:
        raise _fail(str(e), 2) from None
    console.print(result.text(), highlight=False, markup=False)
    if csv_out is not None:
        csv_out.write_text(result.csv())
        err.print(f"wrote {csv_out}")
    if proofs_out is not None and result.records:
        _emit(inclusion_document(result.checkpoint, result.records, result.proofs), proofs_out)
