"""Alembic environment: runs against the connection handed in by hotdash.db.migrate, or the settings' URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hotdash.db.session import engine_from_settings
from hotdash.schema import target_metadata
from hotdash.settings import get_settings


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_from_settings(get_settings())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
