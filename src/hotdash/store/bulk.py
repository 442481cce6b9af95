"""Columnar bulk loading: numpy arrays in, rows in the database out, with no per-row ORM work.

The demo generator and large imports produce whole columns at once. Converting those columns to the storage
format in bulk (one vectorised pass per column) rather than per value is what makes loading millions of rows
take seconds instead of minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table

from hotdash.db.dialects import copy_rows, is_sqlite, reset_id_sequence

Column = np.ndarray[Any, Any] | Sequence[Any]
Columns = Mapping[str, Column]

CHUNK_ROWS = 50_000


def _timestamps(values: np.ndarray[Any, Any], sqlite: bool) -> list[str | None]:
    """Format UTC datetime64 values the way each database reads them back as the same instant."""
    micro = values.astype("datetime64[us]")
    text = np.datetime_as_string(micro, unit="us")
    # SQLAlchemy's SQLite dialect stores "YYYY-MM-DD HH:MM:SS.ffffff"; string comparison on that column only
    # works if every row uses the same separator, so the ISO "T" becomes a space.
    codes = text.view(np.uint32).reshape(len(text), -1)
    codes[:, 10] = ord(" ")
    if not sqlite:
        text = np.char.add(text, "+00")  # PostgreSQL would otherwise read the session's zone
    out: list[str | None] = text.tolist()
    for index in np.flatnonzero(np.isnat(micro)):
        out[index] = None
    return out


def _dates(values: np.ndarray[Any, Any]) -> list[str | None]:
    days = values.astype("datetime64[D]")
    out: list[str | None] = np.datetime_as_string(days, unit="D").tolist()
    for index in np.flatnonzero(np.isnat(days)):
        out[index] = None
    return out


def to_storage(values: Column, sqlite: bool) -> list[Any]:
    """Turn one column into plain Python values the driver binds without further conversion."""
    if not isinstance(values, np.ndarray):
        return list(values)
    if values.dtype.kind == "M":
        if np.datetime_data(values.dtype)[0] == "D":
            return _dates(values)
        return _timestamps(values, sqlite)
    if values.dtype.kind == "f":
        # Money and rates: NaN marks a missing value.
        out: list[Any] = np.round(values, 6).tolist()
        for index in np.flatnonzero(np.isnan(values)):
            out[index] = None
        return out
    plain: list[Any] = values.tolist()
    return plain


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: Columns,
    *,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Append the rows given as equal-length columns to `table`; return how many were written."""
    names = list(columns)
    lengths = {len(columns[name]) for name in names}
    if len(lengths) != 1:
        raise ValueError(f"{table.name}: columns differ in length: {sorted(lengths)}")
    unknown = set(names) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name}: no such columns {sorted(unknown)}")
    total = lengths.pop()
    sqlite = is_sqlite(connection)
    for start in range(0, total, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, total)
        chunk = [to_storage(columns[name][start:stop], sqlite) for name in names]
        copy_rows(connection, table, names, zip(*chunk, strict=True))
        if on_chunk is not None:
            on_chunk(stop - start)
    if "id" in names:
        reset_id_sequence(connection, table)
    return total
