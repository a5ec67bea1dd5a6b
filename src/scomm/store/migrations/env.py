"""Alembic environment: runs scomm's migrations on the connection ``upgrade_to_head`` hands in,
or on an engine for the configured (or default) URL when run from the ``alembic`` command."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from scomm.store.database import make_engine
from scomm.store.schema import metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run() -> None:
    given = context.config.attributes.get("connection")
    if isinstance(given, Connection):
        _migrate(given)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


_run()
