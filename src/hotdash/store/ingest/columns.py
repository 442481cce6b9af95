"""`upsert_columns`: `upsert_batch` for one entity whose validated records come as columns.

The file importer reads tens of thousands of rows at a time, column by column. Most rows of a large import
are new records, and for those the outcome is settled by a few set lookups: no stored row has their
external id (or natural key), no other row of the batch shares it, their references resolve, their required
fields are there. Those rows are inserted a column at a time, with no per-record objects. Every other row
(already stored, a key repeated in the batch, an unresolved reference, a required field missing, already
invalid) is turned back into a record and goes through `apply_validated`, the path every source takes, so
its outcome and reasons are word for word those of `upsert_batch`. Both kinds of row end the same way:
lifetime figures, rollups and the `RecordsUpserted` event.

Rows of the two kinds cannot interfere: a row takes the column path only if no other row of the batch has its
key, so "the same external id twice is applied in order" only ever concerns rows of the record path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.orm import Session

from hotdash.events import RecordsUpserted, publish_after_commit
from hotdash.store.ingest.absent import ABSENT, holds
from hotdash.store.ingest.resolve import select_in
from hotdash.store.ingest.results import FieldError, Outcome
from hotdash.store.ingest.specs import SPECS, EntitySpec
from hotdash.store.ingest.upsert import (
    apply_validated,
    check_store,
    insert_defaults,
    refresh_derived,
    required_columns,
)
from hotdash.store.ingest.writer import StoredForms, Touched, insert_columns

__all__ = ["ABSENT", "ColumnsResult", "StoredForms", "record_at", "upsert_columns"]


@dataclass(frozen=True)
class ColumnsResult:
    """Each row's outcome, and the reasons of every rejected row (by row index)."""

    outcomes: list[Outcome]
    reasons: dict[int, tuple[FieldError, ...]]


def record_at(columns: Mapping[str, Sequence[Any]], index: int) -> dict[str, Any]:
    """Row `index` of the columns as a record: the fields it sends."""
    return {name: values[index] for name, values in columns.items() if values[index] is not ABSENT}


@cache
def _natural_fields(entity: str) -> tuple[str, ...]:
    # The natural key in the record's own terms (references by external id: the same thing within a source).
    field = {ref.column: ref.field for ref in SPECS[entity].references}
    return tuple(field.get(column, column) for column in SPECS[entity].natural_key)


def _keys(
    names: Sequence[str], store_id: int, columns: Mapping[str, Sequence[Any]], count: int
) -> list[tuple[Any, ...] | None]:
    """Each row's key made of `names`, or None where a part is missing (then it is found by external id)."""
    parts = [
        [store_id] * count if name == "store_id" else columns.get(name, [ABSENT] * count) for name in names
    ]
    return [None if None in key or ABSENT in key else key for key in zip(*parts, strict=True)]


def _unique_rows(
    spec: EntitySpec,
    store_id: int,
    columns: Mapping[str, Sequence[Any]],
    errors: Sequence[list[FieldError]],
) -> list[int]:
    """The valid rows whose external id and natural key no other valid row of the batch has."""
    count = len(errors)
    external = columns.get("external_id", [ABSENT] * count)
    valid = [i for i in range(count) if not errors[i] and type(external[i]) is str]
    seen = Counter(external[i] for i in valid)
    rows = [i for i in valid if seen[external[i]] == 1]
    if spec.natural_key:
        natural = _keys(_natural_fields(spec.name), store_id, columns, count)
        repeated = Counter(natural[i] for i in valid if natural[i] is not None)
        rows = [i for i in rows if natural[i] is not None and repeated[natural[i]] == 1]
    for extra in spec.extra_fields:
        # Tickets linked by email or order number: the record path does the matching.
        if extra in columns:
            given = columns[extra]
            rows = [i for i in rows if given[i] is ABSENT or not given[i]]
    return rows


def _resolved(
    session: Session,
    spec: EntitySpec,
    source: str,
    store_id: int,
    columns: Mapping[str, Sequence[Any]],
    rows: list[int],
) -> tuple[list[int], dict[str, list[Any]]]:
    """Resolve the references of `rows`; return the rows whose references all resolve, and their id columns.

    The id columns hold one value per row of `rows` (ABSENT where the row leaves the reference out); a row
    with a reference that does not resolve is left to the record path, which says why.
    """
    keep = [True] * len(rows)
    resolved: dict[str, list[Any]] = {}
    for reference in spec.references:
        if reference.field not in columns:
            continue
        given = columns[reference.field]
        values = [given[i] for i in rows]
        wanted = {value for value in values if value is not None and value is not ABSENT}
        target = SPECS[reference.target]
        table = target.table
        found: dict[str, int] = {}
        if wanted:
            scoped = target.scoped_to_store
            where = [table.c.source == source] + ([table.c.store_id == store_id] if scoped else [])
            # A record of another store is not found here: the record path names it as such.
            found = dict(
                select_in(session, [table.c.external_id, table.c.id], table.c.external_id, wanted, *where)
            )
        ids: list[Any] = []
        for position, value in enumerate(values):
            if value is None or value is ABSENT:
                ids.append(value)
                continue
            hit = found.get(value)
            if hit is None:
                keep[position] = False
            ids.append(hit)
        resolved[reference.column] = ids
    kept = [position for position, ok in enumerate(keep) if ok]
    return [rows[p] for p in kept], {name: [ids[p] for p in kept] for name, ids in resolved.items()}


def _pick(values: dict[str, list[Any]], rows: list[int], keep: Sequence[bool]) -> list[int]:
    """Keep the rows (and their place in every column of `values`) whose flag is set; in place for values."""
    if all(keep):
        return rows
    for name, column in values.items():
        values[name] = [value for value, ok in zip(column, keep, strict=True) if ok]
    return [row for row, ok in zip(rows, keep, strict=True) if ok]


def _unstored(
    session: Session, spec: EntitySpec, source: str, store_id: int, values: Mapping[str, list[Any]]
) -> list[bool]:
    """For each row of `values` (table columns), whether it is new: no stored row has its keys.

    A row found by its natural key updates that row, and one with part of its natural key missing is found
    by its external id alone: both are the record path's.
    """
    table = spec.table
    wanted = values["external_id"]
    stored = {
        row[0]
        for row in select_in(
            session, [table.c.external_id], table.c.external_id, wanted, table.c.source == source
        )
    }
    free = [value not in stored for value in wanted]
    if spec.natural_key:
        keys = _keys(spec.natural_key, store_id, values, len(wanted))
        key_columns = [table.c[column] for column in spec.natural_key]
        taken = {
            tuple(row)
            for row in select_in(
                session,
                key_columns,
                tuple_(*key_columns),
                [key for key in keys if key is not None],
            )
        }
        free = [ok and key is not None and key not in taken for ok, key in zip(free, keys, strict=True)]
    return free


def _insertable(
    session: Session,
    spec: EntitySpec,
    source: str,
    store_id: int,
    columns: Mapping[str, Sequence[Any]],
    errors: Sequence[list[FieldError]],
) -> tuple[list[int], dict[str, list[Any]]]:
    """The rows to insert on the column path and their values by table column, defaults filled in."""
    entity = spec.name
    rows = _unique_rows(spec, store_id, columns, errors)
    rows, resolved = _resolved(session, spec, source, store_id, columns, rows)
    skip = {ref.field for ref in spec.references} | spec.extra_fields
    if len(rows) == len(errors):
        # Every row (the usual case): the columns as they are; the steps below replace lists, never edit.
        values = {name: list(column) for name, column in columns.items() if name not in skip}
    else:
        values = {name: [column[i] for i in rows] for name, column in columns.items() if name not in skip}
    values.update(resolved)
    if not rows:
        return rows, values
    rows = _pick(values, rows, _unstored(session, spec, source, store_id, values))
    for column in required_columns(entity):
        if column not in values:
            return [], {}  # no row sends it: each new one is rejected, by the record path
        rows = _pick(values, rows, [value is not ABSENT for value in values[column]])
    count = len(rows)
    for name, default in insert_defaults(entity).items():
        if name not in values:
            values[name] = [default] * count
        elif holds(values[name], ABSENT):
            values[name] = [default if value is ABSENT else value for value in values[name]]
    values["source"] = [source] * count
    if spec.scoped_to_store:
        values["store_id"] = [store_id] * count
    return rows, values


def _ready(
    session: Session, stored: StoredForms | None, values: Mapping[str, list[Any]], rows: list[int]
) -> dict[str, list[Any]]:
    """The inserted rows' columns whose storage form was computed ahead, where it fits."""
    if stored is None or stored.dialect != session.connection().dialect.name:
        return {}
    ready = {}
    for name, forms in stored.columns.items():
        if name in values:
            picked = [forms[i] for i in rows]
            if not holds(picked, ABSENT):  # a left-out value takes the default: its form was not computed
                ready[name] = picked
    return ready


def upsert_columns(
    *,
    session: Session,
    store_id: int,
    source: str,
    entity: str,
    columns: Mapping[str, Sequence[Any]],
    errors: Sequence[list[FieldError]],
    stored: StoredForms | None = None,
) -> ColumnsResult:
    """Upsert the rows of `columns` (field -> validated values, ABSENT where a row leaves a field out).

    `errors[i]` are the reasons row i is already invalid (it is then rejected with them). `stored` may give
    some columns already in the database's storage form (`writer.stored_forms`, computed ahead by the import
    worker). Flushes and never commits; outcomes, derived figures and the event are those `upsert_batch`
    gives for the same records.
    """
    check_store(session, store_id)
    spec = SPECS[entity]
    count = len(errors)
    touched = Touched()
    rows, values = _insertable(session, spec, source, store_id, columns, errors)
    outcomes: list[Outcome] = ["inserted"] * count
    written: list[str] = []
    if rows:
        # New rows only: each adds to its customer's figures, no customer need be read again.
        touched.note_new(entity, values, shares=True)
        insert_columns(session, spec.table, values, ready=_ready(session, stored, values, rows))
        written.extend(values["external_id"])
    inserted = set(rows)
    rest = [i for i in range(count) if i not in inserted]
    reasons: dict[int, tuple[FieldError, ...]] = {}
    if rest:
        external = columns.get("external_id", [ABSENT] * count)
        results = apply_validated(
            session=session,
            store_id=store_id,
            source=source,
            entity=entity,
            records=[record_at(columns, i) for i in rest],
            errors=[errors[i] for i in rest],
            external_ids=[external[i] if type(external[i]) is str else None for i in rest],
            touched=touched,
            rejected={},
        )
        for index, result in zip(rest, results, strict=True):
            outcomes[index] = result.outcome
            if result.outcome == "rejected":
                reasons[index] = result.errors
            elif result.outcome in ("inserted", "updated") and result.external_id is not None:
                written.append(result.external_id)
    refresh_derived(session=session, store_id=store_id, touched=touched)
    if written:
        publish_after_commit(session, RecordsUpserted(store_id, source, entity, tuple(written)))
    return ColumnsResult(outcomes=outcomes, reasons=reasons)
