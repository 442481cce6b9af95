"""The few places where SQLite and PostgreSQL need different SQL; everything else is portable Core."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Date, Table, cast, func, select
from sqlalchemy.orm import QueryableAttribute

Timestamp = ColumnElement[Any] | QueryableAttribute[Any]


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


def utc_hour(connection: Connection, column: Timestamp) -> ColumnElement[Any]:
    """Return an expression for the start of the UTC hour of a timestamp column, in the column's own type."""
    if is_sqlite(connection):
        # Same text layout SQLAlchemy stores, so the result reads back as a timestamp and compares as one.
        return func.strftime("%Y-%m-%d %H:00:00.000000", column)
    return func.timezone("UTC", func.date_trunc("hour", func.timezone("UTC", column)))


def shifted_date(connection: Connection, column: Timestamp, offset_seconds: int) -> ColumnElement[Any]:
    """Return the calendar date of a UTC timestamp column moved by a fixed offset (a local date)."""
    if is_sqlite(connection):
        return func.date(column, f"{offset_seconds:+d} seconds")
    utc = func.timezone("UTC", column)
    return cast(utc + func.make_interval(0, 0, 0, 0, 0, 0, offset_seconds), Date)


def insert_new(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
) -> set[tuple[Any, ...]]:
    """Insert `rows`, skipping those whose `key` columns are already taken; return the keys of the new ones.

    One `INSERT ... ON CONFLICT (key) DO NOTHING RETURNING` (batched by SQLAlchemy's insertmanyvalues), so a
    redelivered webhook costs no error and no second row, on both databases.
    """
    if not rows:
        return set()
    from sqlalchemy.dialects import postgresql, sqlite

    columns = [table.c[name] for name in key]
    statement = (
        sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key)).returning(*columns)
        if is_sqlite(connection)
        else postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key)).returning(*columns)
    )
    return {tuple(row) for row in connection.execute(statement, list(rows))}
