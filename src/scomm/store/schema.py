"""The schema as code and as Alembic migrations, and the one call that brings a database to
the current version (``scomm init`` runs it; so may any process that opens a store).

The migrations ship inside the package (``scomm/store/migrations``), so an installed scomm
can create and upgrade its own database without a source checkout or an ``alembic.ini``.
"""

from __future__ import annotations

import importlib
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, MetaData

from scomm.store.database import Base

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported inside the functions: worker processes import scomm.store and should not
# pay for the migration machinery they never run.

TABLE_MODULES = (
    "scomm.store.work_tables",
    "scomm.store.ledger_tables",
    "scomm.store.outcome_tables",
)
"""Modules whose models make up the schema; add a module here when it adds tables."""


def metadata() -> MetaData:
    """Every scomm table, with all model modules imported."""
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return Base.metadata


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations (and ``engine``)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("scomm.store") / "migrations"))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def head_revision() -> str:
    """The newest migration shipped with this scomm."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("scomm ships no migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None``: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> str:
    """Create or upgrade the database to the newest schema; returns that revision."""
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return head_revision()


def schema_differences(engine: Engine) -> list[Any]:
    """What Alembic's autogenerate sees between the models and the database (empty: in step)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata()))
