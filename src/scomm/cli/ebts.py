"""``scomm ebts``: look inside ANSI/NIST-ITL files, check them against EBTS, extract images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from scomm.ebts import BinaryRecord, EbtsError, Transaction, image_infos, parse, validate
from scomm.ebts.images import IMAGE_RECORD_TYPES, to_png
from scomm.ebts.records import BINARY_LAYOUTS, TaggedRecord
from scomm.ebts.rules import rule_table

app = typer.Typer(help="ANSI/NIST-ITL / EBTS transactions.", no_args_is_help=True)
console = Console(highlight=False)
_SHOWN = 60  # characters of a text field shown before eliding

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


def _read(path: Path) -> Transaction:
    try:
        return parse(path.read_bytes())
    except EbtsError as exc:
        console.print(f"[red]{escape(str(path))}: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from None


def _mnemonic(record_type: int, number: int) -> str:
    rules = rule_table().field_rules(record_type, number)
    return rules[0].short_mnemonic if rules else ""


def _text(subfields: tuple[tuple[str, ...], ...]) -> str:
    text = " | ".join(" / ".join(items) for items in subfields)
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable if len(printable) <= _SHOWN else printable[: _SHOWN - 3] + "..."


@app.command()
def show(path: FileArg) -> None:
    """Print records and fields as text, images as width x height x ppi."""
    tx = _read(path)
    images = {info.record: info for info in image_infos(tx)}
    console.print(f"[bold]{escape(str(path))}[/bold]: {tx.tot}, version {tx.version}, "
                  f"{len(tx.records)} records")  # fmt: skip
    for index, record in enumerate(tx.records, start=1):
        idc = "" if record.idc is None else f", IDC {record.idc}"
        console.print(f"[bold]Record {index}: Type-{record.type}{idc}[/bold]")
        if isinstance(record, BinaryRecord):
            names = [name for name, _ in BINARY_LAYOUTS[record.type]]
            values = ", ".join(f"{n} {v}" for n, v in zip(names, record.header, strict=True))
            console.print(f"  {escape(values)}, {len(record.data)} bytes of data")
        else:
            _show_fields(record)
        if index in images:
            info = images[index]
            positions = ", ".join(str(p) for p in info.positions) or "-"
            console.print(f"  image: {escape(info.describe())}, position {positions}")
        elif record.type in IMAGE_RECORD_TYPES and record.data is None:
            console.print("  image: none")


def _show_fields(record: TaggedRecord) -> None:
    for field in record.fields:
        name = _mnemonic(record.type, field.number)
        label = f"{field.label} {name}".ljust(14)
        if field.data is not None:
            console.print(f"  {escape(label)} <{len(field.data)} bytes>")
        else:
            console.print(f"  {escape(label)} {escape(_text(field.subfields))}")


@app.command("validate")
def validate_command(path: FileArg) -> None:
    """Check FILE against the EBTS 9.1 rules; exit status 0 if valid, 1 if not."""
    tx = _read(path)
    violations = validate(tx)
    if not violations:
        console.print(f"{escape(str(path))}: valid {tx.tot}")
        return
    for violation in violations:
        console.print(escape(violation.describe()))
    console.print(f"[red]{escape(str(path))}: {len(violations)} violation(s)[/red]")
    raise typer.Exit(1)


@app.command()
def images(
    path: FileArg,
    outdir: Annotated[Path, typer.Argument(file_okay=False)],
) -> None:
    """Write every image of FILE to OUTDIR as PNG (record-NN_type-T[_pos-P].png)."""
    tx = _read(path)
    outdir.mkdir(parents=True, exist_ok=True)
    failures = 0
    written = 0
    for info in image_infos(tx):
        position = f"_pos-{info.positions[0]}" if info.positions else ""
        target = outdir / f"record-{info.record:02d}_type-{info.record_type}{position}.png"
        try:
            target.write_bytes(to_png(info.pixels()))
            written += 1
        except EbtsError as exc:
            failures += 1
            console.print(f"[yellow]record {info.record}: {escape(exc.reason)}[/yellow]")
    console.print(f"{written} image(s) written to {escape(str(outdir))}")
    if failures:
        raise typer.Exit(1)
