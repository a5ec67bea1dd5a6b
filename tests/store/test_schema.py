"""Migrations and models agree, and upgrading is what ``scomm init`` can rely on."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from scomm.store import current_revision, head_revision, make_engine, metadata, upgrade_to_head
from scomm.store.schema import alembic_config, schema_differences


def test_upgrade_creates_every_model_table_and_the_models_match(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        assert upgrade_to_head(engine) == head_revision()
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(metadata().tables) <= tables
        # Alembic's autogenerate sees nothing to add, drop or alter: migrations == models.
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing_and_downgrade_removes_everything(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        upgrade_to_head(engine)
        assert current_revision(engine) == head_revision()
        config = alembic_config(engine)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_the_alembic_command_line_environment_works_from_a_url(tmp_path: Path) -> None:
    # env.py without a handed-in connection builds its own engine from sqlalchemy.url.
    url = f"sqlite:///{tmp_path}/cli.db"
    engine = make_engine(url)
    try:
        command.upgrade(alembic_config(engine), "head")
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
