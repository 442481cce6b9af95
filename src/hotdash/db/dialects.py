"""The few places where SQLite and PostgreSQL need different SQL; everything else is portable Core."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select


def is_sqlite(connection: Connection) -> bool:
    """Tell whether `connection` talks to SQLite."""
    return connection.dialect.name == "sqlite"


def copy_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Append rows as fast as the database allows: COPY on PostgreSQL, one prepared executemany on SQLite."""
    names = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    quoted_table = connection.dialect.identifier_preparer.format_table(table)
    if is_sqlite(connection):
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {quoted_table} ({names}) VALUES ({marks})", list(rows))  # noqa: S608 - names come from our own Table
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {quoted_table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def reset_id_sequence(connection: Connection, table: Table) -> None:
    """After rows were written with explicit ids, move the id sequence past them (PostgreSQL only)."""
    if is_sqlite(connection):
        return  # SQLite picks max(rowid) + 1 by itself.
    highest = select(func.coalesce(func.max(table.c.id), 1)).scalar_subquery()
    connection.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"), highest)))
