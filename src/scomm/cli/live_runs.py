"""What ``scomm submit`` and ``scomm bookings`` share: the data directory, gallery sets and the
live runs that submitted bookings enter (one per gallery set, policy and mode)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine, select

from scomm.agencies import Intake
from scomm.agencies.context import policy_by_name, policy_label
from scomm.agencies.services import parameters_of
from scomm.ebts import parse, read_car_facts
from scomm.store import data_dir, default_database_url, make_engine, upgrade_to_head
from scomm.store.outcome_tables import ReplayRun

console = Console()
LIVE_RUN = "live"
DEFAULT_GALLERY = "default"
_GALLERY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
_RUN_PART = re.compile(r"[^A-Za-z0-9._-]")

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="data directory (default: $SCOMM_DATA_DIR)")
]


def open_data_dir(directory: Path | None) -> tuple[Path, str, Engine]:
    root = (directory or data_dir()).resolve()
    root.mkdir(parents=True, exist_ok=True)
    url = default_database_url(root)
    engine = make_engine(url)
    upgrade_to_head(engine)
    return root, url, engine


def fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def gallery_folder(root: Path, gallery: str) -> Path:
    """The folder of gallery set ``gallery``; its name is also part of the set's run ids."""
    if not _GALLERY_NAME.fullmatch(gallery):
        raise fail(
            f"gallery set name {gallery!r} must be 1-32 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return root / "galleries" / gallery


def live_run_id(gallery: str, policy_name: str, mode: str) -> str:
    """The run that ``scomm submit`` enters bookings into: one per gallery set, policy and
    mode, because a run keeps the parameters it was opened with (``live`` for the default set
    under ``historical`` in oracle mode). Other runs' ids end in a digest of the three, as the
    readable part alone can coincide (set ``a-full`` in oracle mode, set ``a`` in full mode)."""
    parts = [LIVE_RUN]
    if gallery != DEFAULT_GALLERY:
        parts.append(gallery)
    if policy_name != "historical":
        parts.append(_RUN_PART.sub("_", policy_name)[:16])
    if mode != "oracle":
        parts.append(mode)
    if len(parts) == 1:
        return LIVE_RUN
    digest = hashlib.sha256(json.dumps([gallery, policy_name, mode]).encode()).hexdigest()
    return "-".join(parts)[:55] + "-" + digest[:8]


def run_parameters(target: Path) -> dict[str, Any]:
    """A live run's parameters for gallery set ``target``: a set enrolled from a synthetic
    world is judged with that world's records (LESC) and its field office's practice."""
    from scomm.sim.replay import SERVICES, load_world_spec

    try:
        spec = load_world_spec(target)
    except ValueError as error:
        raise fail(str(error)) from None
    if spec is None:
        return {"galleries": target.name}
    return {"galleries": target.name, "world": spec.to_json(), "services": SERVICES}


def check_run(
    engine: Engine, run_id: str, parameters: dict[str, Any], policy: str, mode: str
) -> None:
    """Refuse to enter a booking into a run opened with other galleries, world, policy or
    mode: open_run keeps the first parameters, so the booking would be judged with those."""
    with engine.connect() as conn:
        stored_policy, text = conn.execute(
            select(ReplayRun.policy, ReplayRun.parameters).where(ReplayRun.run_id == run_id)
        ).one()
    stored = parameters_of(text)
    wanted = {**parameters, "mode": mode}
    differs = [
        key
        for key in ("galleries", "world", "services", "mode")
        if stored.get(key) != wanted.get(key)
    ]
    compiled = policy_by_name(policy)
    if stored_policy != policy_label(compiled):
        differs.append("policy rules")
    if differs:
        raise fail(
            f"run {run_id!r} was opened with other {', '.join(differs)} than gallery set "
            f"{parameters['galleries']!r} and policy {policy!r} have now (enrolled again, or the "
            "policy file changed); enrol into a new gallery set (--gallery NAME) or use a fresh "
            "data directory"
        )


def submitted_intake(payload: bytes) -> Intake:
    """What the booking desk takes in from a CAR file: the booking as the CAR states it."""
    facts = read_car_facts(parse(payload))
    return Intake(facts.booking(f"submitted-{facts.tcn}"), payload)
