"""The few places where SQLite and PostgreSQL need different SQL; everything else is portable Core."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Float,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

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


class EpochSeconds(FunctionElement[int]):
    """Whole seconds from 1970-01-01 UTC to a timestamp (or a date, at its UTC midnight); NULL stays NULL.

    Whole seconds on both databases, so the rule language's "hours since" is the same integer divided the
    same way: SQLite's strftime('%s') truncates, PostgreSQL's epoch is floored to match.
    """

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(EpochSeconds, "sqlite")
def _epoch_seconds_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses
    return compiler.process(cast(func.strftime("%s", value), BigInteger), **kw)


@compiles(EpochSeconds)
def _epoch_seconds_default(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses
    return compiler.process(cast(func.floor(extract("epoch", value)), BigInteger), **kw)


def epoch_seconds(value: Any) -> ColumnElement[int]:
    """Return an expression for the whole epoch seconds of a timestamp or date expression."""
    return EpochSeconds(value)


class CaseSensitiveLike(FunctionElement[bool]):
    """`value LIKE pattern ESCAPE '\\'`, case-sensitive on both databases.

    SQLite's LIKE ignores ASCII case unless a per-connection pragma says otherwise; its GLOB is
    case-sensitive, so there the same pattern is given in GLOB form (`like_to_glob`). Both patterns arrive
    as bound parameters.
    """

    type = Boolean()
    name = "case_sensitive_like"
    inherit_cache = True


@compiles(CaseSensitiveLike, "sqlite")
def _like_sqlite(element: CaseSensitiveLike, compiler: SQLCompiler, **kw: Any) -> str:
    value, _like, glob = element.clauses
    return f"({compiler.process(value, **kw)} GLOB {compiler.process(glob, **kw)})"


@compiles(CaseSensitiveLike)
def _like_default(element: CaseSensitiveLike, compiler: SQLCompiler, **kw: Any) -> str:
    value, like, _glob = element.clauses
    return compiler.process(value.like(like, escape="\\"), **kw)


def like_to_glob(pattern: str) -> str:
    """Turn a LIKE pattern (escape character backslash) into the SQLite GLOB pattern matching the same."""
    out: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            out.append(f"[{char}]" if char in "*?[" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        else:
            out.append(f"[{char}]" if char in "*?[" else char)
    return "".join(out)


def case_sensitive_like(value: Any, pattern: str) -> ColumnElement[bool]:
    """Return `value LIKE pattern` (backslash escapes % and _), case-sensitive on SQLite and PostgreSQL."""
    like = bindparam(None, pattern, type_=String(), unique=True)
    glob = bindparam(None, like_to_glob(pattern), type_=String(), unique=True)
    return CaseSensitiveLike(value, like, glob)


class FloorNonNegative(FunctionElement[float]):
    """floor(x) for x >= 0 (or NULL), computed by the database itself.

    SQLAlchemy gives SQLite a Python `floor` (math.floor), which fails on NULL and on values past 2**63;
    CAST AS INTEGER truncates, which is floor for x >= 0, and every double from 2**52 up is already whole.
    """

    type = Float()
    name = "floor_non_negative"
    inherit_cache = True


WHOLE_DOUBLES = float(2**52)


@compiles(FloorNonNegative, "sqlite")
def _floor_sqlite(element: FloorNonNegative, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses
    whole = case((value >= literal(WHOLE_DOUBLES, Float), value), else_=cast(value, Integer))
    return compiler.process(whole, **kw)


@compiles(FloorNonNegative)
def _floor_default(element: FloorNonNegative, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses
    return compiler.process(func.floor(value), **kw)


def floor_non_negative(value: Any) -> ColumnElement[float]:
    """Return floor(value) for a value known to be >= 0 (NULL stays NULL), the same on both databases."""
    return FloorNonNegative(value)


def in_values(dialect_name: str, key: Any, values: Sequence[str] | Sequence[int]) -> ColumnElement[bool]:
    """`key IN values` for thousands of values, as one bound parameter instead of one per value.

    SQLAlchemy renders a long IN list as one placeholder per value, which costs ~2 us per value to compile
    and bind: more than the lookup itself during a large import. SQLite reads a JSON array through json_each
    (its planner still probes the key's index for each value); PostgreSQL takes an array with = ANY. The
    values must all be text or all be integers, so that JSON and the array keep their type.
    """
    if dialect_name == "sqlite":
        listed = func.json_each(bindparam(None, json.dumps(list(values)), type_=String)).table_valued("value")
        return key.in_(select(listed.c.value).scalar_subquery())  # type: ignore[no-any-return]
    item: Any = BigInteger() if values and isinstance(values[0], int) else String()
    return key == any_(bindparam(None, list(values), type_=ARRAY(item)))  # type: ignore[no-any-return]
