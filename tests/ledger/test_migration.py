"""The ledger's schema change (0003): event times become integer microseconds, data kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from sqlalchemy import text

from scomm.store import make_engine
from scomm.store.schema import alembic_config, schema_differences


def test_event_times_survive_the_upgrade_and_the_downgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0002_ledger_outcomes")
    at = dt.datetime(2010, 11, 5, 17, 30, 0, 123456)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entry (idx, payload, tcn, booking_ori, event_time, sender,"
                " recipient, transfer, allowed) VALUES (0, x'7b7d', 'CA0190000-20101105-01',"
                " 'CA0190000', :at, 'CJIS', 'IDENT', 'CAR', 1)"
            ),
            {"at": at.isoformat(sep=" ")},
        )
    command.upgrade(config, "head")
    assert schema_differences(engine) == []
    with engine.connect() as conn:
        us = conn.execute(text("SELECT event_us FROM ledger_entry")).scalar_one()
    assert us == (at - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    command.downgrade(config, "0002_ledger_outcomes")
    with engine.connect() as conn:
        back = conn.execute(text("SELECT event_time FROM ledger_entry")).scalar_one()
    assert dt.datetime.fromisoformat(back) == at
