"""`scomm fingerprint synth OUT/`: write synthetic fingerprints with their ground truth.

For each identity and finger: ``{identity}_{finger}_master.png`` (the whole finger),
``{identity}_{finger}_{k}.png`` for each impression (live-scan flats at 500 ppi) and
``{identity}_{finger}.json`` with the pattern class, singular points and the ground-truth
minutiae of the master and of every impression.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from PIL import Image
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from scomm.biometrics.synthetic import (
    MasterPrint,
    generate_master,
    render_impression,
)
from scomm.domain import FingerPosition

#: which fingers ``--fingers N`` takes: both index fingers first (the legacy IDENT capture)
FINGER_ORDER = (2, 7, 1, 6, 3, 8, 4, 9, 5, 10)
PPI = 500


def synth_command(
    out: Annotated[Path, typer.Argument(help="Folder to write PNGs and JSON into.")],
    identities: Annotated[int, typer.Option(min=1, help="How many people.")] = 10,
    fingers: Annotated[int, typer.Option(min=1, max=10, help="Fingers per person.")] = 2,
    impressions: Annotated[int, typer.Option(min=0, help="Impressions per finger.")] = 2,
    seed: Annotated[int, typer.Option(min=0, help="Seed: same seed, same prints.")] = 0,
    first_identity: Annotated[int, typer.Option(min=0, help="Number of the first person.")] = 0,
    size: Annotated[int, typer.Option(min=64, max=1024, help="Impression side (pixels).")] = 400,
) -> None:
    """Generate synthetic fingerprints (500 ppi) with ground-truth minutiae."""
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} exists and is not a folder", param_hint="OUT")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise typer.BadParameter(f"cannot create {out}: {exc.strerror}", param_hint="OUT") from exc
    console = Console()
    total = identities * fingers
    columns = (
        TextColumn("[bold]synthesising"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("fingers", total=total)
        for identity in range(first_identity, first_identity + identities):
            for finger in FINGER_ORDER[:fingers]:
                master = generate_master(seed, identity, finger)
                _write_finger(out, master, impressions, (size, size))
                progress.advance(task)
    console.print(
        f"wrote {total} fingers x {impressions} impressions "
        f"({total * (impressions + 1)} PNGs, {total} JSON) to {out}"
    )


def _write_finger(out: Path, master: MasterPrint, impressions: int, size: tuple[int, int]) -> None:
    stem = f"{master.identity:06d}_{master.finger:02d}"
    shade = 0.5 * (1.0 - np.clip(master.ridges * 1.4, -1.0, 1.0) * master.outline)
    grey = np.where(master.outline > 0, 255.0 * shade, 255.0).astype(np.uint8)
    _save_png(out / f"{stem}_master.png", grey)
    record: dict[str, Any] = {
        "seed": master.seed,
        "identity": master.identity,
        "finger": master.finger,
        "finger_name": FingerPosition(master.finger).name.lower(),
        "pattern_class": master.pattern_class.value,
        "ppi": PPI,
        "singular_points": [
            {"x": round(p.x, 2), "y": round(p.y, 2), "kind": "core" if p.is_core else "delta"}
            for p in master.pattern.singular_points
        ],
        "master": {
            "image": f"{stem}_master.png",
            "width": int(master.ridges.shape[1]),
            "height": int(master.ridges.shape[0]),
            "minutiae": master.minutiae.to_json(),
        },
        "impressions": [],
    }
    for index in range(impressions):
        impression = render_impression(master, index, size)
        name = f"{stem}_{index}.png"
        _save_png(out / name, impression.image)
        record["impressions"].append(
            {
                "image": name,
                "index": index,
                "rotation_deg": round(float(np.rad2deg(impression.capture.rotation)), 2),
                "pressure": round(impression.capture.pressure, 3),
                "moisture": round(impression.capture.moisture, 3),
                "minutiae": impression.minutiae.to_json(),
            }
        )
    (out / f"{stem}.json").write_text(json.dumps(record, indent=1))


def _save_png(path: Path, image: np.ndarray[Any, np.dtype[np.uint8]]) -> None:
    Image.fromarray(image, mode="L").save(path, dpi=(PPI, PPI), optimize=False)
