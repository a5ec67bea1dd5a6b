"""``scomm fingerprint``: extract minutiae from an image, compare two prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from PIL import Image
from rich.console import Console

from scomm.biometrics import (
    DEFAULT_FMR,
    UNUSABLE_BELOW,
    ImageError,
    IsoFormatError,
    Matcher,
    Template,
    TemplateError,
    extract,
    from_iso19794_2,
    is_usable,
    read_image,
    to_iso19794_2,
)
from scomm.biometrics.overlay import draw_minutiae

app = typer.Typer(help="Fingerprint minutiae extraction and 1:1 comparison.", no_args_is_help=True)
console = Console()


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def load_template(path: Path) -> Template:
    """A template from a scomm template file, an ISO 19794-2 record or an image."""
    try:
        head = path.read_bytes()[:4]
    except OSError as exc:
        raise _fail(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        if head == b"SCFT":
            return Template.from_bytes(path.read_bytes())
        if head == b"FMR\x00":
            return from_iso19794_2(path.read_bytes())
        return extract(read_image(path))
    except (ImageError, TemplateError, IsoFormatError) as exc:
        raise _fail(f"{path}: {exc}" if str(path) not in str(exc) else str(exc)) from exc


@app.command("extract")
def extract_command(
    image: Annotated[Path, typer.Argument(help="TIFF, PNG, JPEG or WSQ fingerprint image")],
    overlay: Annotated[
        Path | None, typer.Option(help="overlay PNG (default: IMAGE stem + .minutiae.png)")
    ] = None,
    template: Annotated[Path | None, typer.Option(help="write the scomm template here")] = None,
    iso: Annotated[Path | None, typer.Option(help="write an ISO 19794-2:2005 record here")] = None,
    ppi: Annotated[int | None, typer.Option(help="override the image's resolution")] = None,
) -> None:
    """Extract minutiae: print their count and the image quality, write an overlay PNG."""
    try:
        picture = read_image(image, ppi)
    except ImageError as exc:
        raise _fail(str(exc)) from exc
    result = extract(picture)
    verdict = "usable" if is_usable(result.quality) else f"UNUSABLE (below {UNUSABLE_BELOW})"
    console.print(f"{image}: {len(result)} minutiae, quality {result.quality}/100 ({verdict})")
    out = overlay or Path(f"{image.stem}.minutiae.png")
    Image.fromarray(draw_minutiae(picture, result)).save(out)
    console.print(f"overlay written to {out}")
    if template is not None:
        template.write_bytes(result.to_bytes())
        console.print(f"template written to {template}")
    if iso is not None:
        try:
            iso.write_bytes(to_iso19794_2(result))
        except IsoFormatError as exc:
            raise _fail(str(exc)) from exc
        console.print(f"ISO 19794-2 record written to {iso}")


@app.command("compare")
def compare_command(
    a: Annotated[Path, typer.Argument(help="image, scomm template or ISO 19794-2 record")],
    b: Annotated[Path, typer.Argument(help="image, scomm template or ISO 19794-2 record")],
    fmr: Annotated[float, typer.Option(help="target false match rate")] = DEFAULT_FMR,
) -> None:
    """Compare two prints: similarity score and the decision at the target FMR."""
    matcher = Matcher()
    try:
        threshold = matcher.threshold(fmr)
    except KeyError as exc:
        raise _fail(str(exc.args[0])) from exc
    score = matcher.score(load_template(a), load_template(b))
    verdict = "MATCH" if score >= threshold else "no match"
    console.print(f"score {score:.4f}, threshold {threshold:.4f} at FMR {fmr:g}: {verdict}")
