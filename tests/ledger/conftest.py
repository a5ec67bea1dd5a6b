"""Fixtures for the ledger tests: a fresh SQLite-backed ledger and disclosure events."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from scomm.domain import Ori, Tcn
from scomm.ledger import DisclosureEvent, Ledger
from scomm.store import make_engine, upgrade_to_head

ORIS = ("CA0190000", "TX1010000", "VA0070100")
RECIPIENTS = ("IDENT", "VTICE0900", "CJIS")

EventFactory = Callable[..., DisclosureEvent]


def event(i: int, **overrides: Any) -> DisclosureEvent:
    """A plausible gate decision, varied by ``i``."""
    ori = ORIS[i % len(ORIS)]
    fields: dict[str, Any] = {
        "tcn": Tcn(f"{ori}-20100301-{i // 3:010d}"),
        "booking_ori": Ori(ori),
        "sender": "CJIS" if i % 2 else ori,
        "recipient": RECIPIENTS[i % len(RECIPIENTS)],
        "transfer": ("CAR", "IAQ", "SRE")[i % 3],
        "event_time": dt.datetime(2010, 3, 1, 8, tzinfo=dt.UTC) + dt.timedelta(hours=i),
        "allowed": i % 5 != 0,
        "reasons": (f"rule hist-{i % 4} in force since 2009-10-27",),
        "rule_ids": (f"hist-{i % 4}",),
        "policy_hash": hashlib.sha256(b"historical").hexdigest(),
        "record_digests": ("sha256:" + hashlib.sha256(str(i).encode()).hexdigest(),),
    }
    fields.update(overrides)
    return DisclosureEvent(**fields)


@pytest.fixture
def make_event() -> EventFactory:
    return event


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the current schema, migrated once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "scomm.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "ledger.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Engine:
    return make_engine(db_url)


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def ledger(engine: Engine, key_dir: Path) -> Ledger:
    return Ledger(engine, key_dir)
