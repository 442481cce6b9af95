"""The migrations build exactly the schema the models describe and can be undone, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from hotdash.db import migrate
from hotdash.schema import target_metadata

MODEL_TABLES = set(target_metadata.tables)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _schema_drift(engine: Engine) -> list[Any]:
    """What autogenerate would put in a new migration; anything here means models and migrations disagree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, target_metadata))


def test_upgrade_creates_every_model_table(empty_engine: Engine) -> None:
    assert _tables(empty_engine) == set()

    migrate.upgrade(empty_engine)

    assert _tables(empty_engine) == MODEL_TABLES | {"alembic_version"}


def test_migrated_schema_matches_the_models(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    # A column, type, index or constraint changed in a model without a migration shows up here.
    assert _schema_drift(empty_engine) == []


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    migrate.downgrade(empty_engine, "base")

    # Alembic keeps its (now empty) bookkeeping table; nothing of ours may be left behind.
    assert _tables(empty_engine) <= {"alembic_version"}
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)

    assert _tables(empty_engine) == MODEL_TABLES | {"alembic_version"}
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    assert _schema_drift(empty_engine) == []


def test_current_revision_is_none_until_migrated_then_head(empty_engine: Engine) -> None:
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)

    assert migrate.current_revision(empty_engine) == migrate.head_revision()


def test_the_silent_parcel_index_is_built_on_both_databases(empty_engine: Engine) -> None:
    # Autogenerate cannot compare expression indexes (it warns and skips), so the drift check above would
    # not notice this one missing: ask each database's catalogue directly.
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT sql FROM sqlite_master WHERE name = 'ix_shipments_undelivered_last_scan'"
        else:
            query = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_shipments_undelivered_last_scan'"
        definition = connection.exec_driver_sql(query).scalar()
    assert definition is not None
    assert "coalesce(last_event_at, shipped_at)" in definition.lower()
