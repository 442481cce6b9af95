"""Write one round of validated, resolved records of one entity: find, classify, insert and update in bulk."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Table, bindparam, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from hotdash.db.dialects import copy_rows
from hotdash.db.types import Money, UTCDateTime
from hotdash.store.ingest.resolve import select_in
from hotdash.store.ingest.results import FieldError, Outcome
from hotdash.store.ingest.specs import SPECS, EntitySpec
from hotdash.store.models import Order


@dataclass
class Touched:
    """What a batch changed that derived figures depend on."""

    moments: list[datetime] = field(default_factory=list)
    customer_ids: set[int] = field(default_factory=set)
    line_order_ids: set[int] = field(default_factory=set)
    refund_order_ids: set[int] = field(default_factory=set)
    shipment_order_ids: set[int] = field(default_factory=set)

    def order_moments(self, session: Session) -> list[datetime]:
        """Return the placed_at of every order whose rollup contribution may have changed.

        A parcel changes its order's delay spans (shipped, delivered), hence the shipments' orders too.
        """
        rows = select_in(session, [Order.placed_at], Order.id, self.line_order_ids | self.shipment_order_ids)
        return self.moments + [row[0] for row in rows]

    def customers_of_orders(self, session: Session) -> set[int]:
        """Return every customer whose lifetime figures may have changed."""
        rows = select_in(session, [Order.customer_id], Order.id, self.refund_order_ids)
        return self.customer_ids | {row[0] for row in rows if row[0] is not None}

    def note_new(self, entity: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """`note` for rows being inserted, a column at a time."""
        if entity == "orders":
            self.moments.extend(m for m in (row.get("placed_at") for row in rows) if m is not None)
            self.customer_ids.update(c for c in (row.get("customer_id") for row in rows) if c is not None)
        elif entity in ("order_lines", "refunds", "shipments"):
            ids = {
                "order_lines": self.line_order_ids,
                "refunds": self.refund_order_ids,
                "shipments": self.shipment_order_ids,
            }[entity]
            ids.update(o for o in (row.get("order_id") for row in rows) if o is not None)

    def note(self, entity: str, values: Mapping[str, Any], before: Mapping[str, Any] | None) -> None:
        for state in (values, before) if before is not None else (values,):
            if entity == "orders":
                if state.get("placed_at") is not None:
                    self.moments.append(state["placed_at"])
                if state.get("customer_id") is not None:
                    self.customer_ids.add(state["customer_id"])
            elif entity == "order_lines" and state.get("order_id") is not None:
                self.line_order_ids.add(state["order_id"])
            elif entity == "refunds" and state.get("order_id") is not None:
                self.refund_order_ids.add(state["order_id"])
            elif entity == "shipments" and state.get("order_id") is not None:
                self.shipment_order_ids.add(state["order_id"])


Verdict = tuple[Outcome, list[FieldError]]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Append rows that all have the same keys, as fast as the database takes them (see bulk.copy_rows).

    Values go through each column type's own bind processor, so they are stored exactly as an ORM insert
    would store them; column defaults the rows leave out are filled in the same way.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    extra = {
        column.name: column.default.arg
        for column in table.c
        if column.name not in rows[0] and isinstance(column.default, ScalarElementColumnDefault)
    }
    names += list(extra)
    columns = []
    for name in names:
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[name] for row in rows] if name not in extra else [extra[name]] * len(rows)
        if processor is None:
            columns.append(values)
        elif dialect.name == "sqlite" and isinstance(table.c[name].type, UTCDateTime):
            columns.append(sqlite_utc_texts(values, processor))
        elif dialect.name == "sqlite" and isinstance(table.c[name].type, Money):
            columns.append(sqlite_money(values, processor))
        else:
            columns.append([processor(v) for v in values])
    copy_rows(connection, table, names, zip(*columns, strict=True))


def sqlite_money(values: list[Any], processor: Callable[[Any], Any]) -> list[Any]:
    """What Money's processor makes of each Decimal on SQLite (a float rounded to cents), in one pass."""
    return [round(float(v), 2) if type(v) is Decimal else None if v is None else processor(v) for v in values]


def sqlite_utc_texts(values: list[Any], processor: Callable[[Any], Any]) -> list[Any]:
    """What UTCDateTime's processor makes of each value on SQLite, without its two calls per value.

    Validated timestamps are already in UTC; their stored text is SQLAlchemy's SQLite layout
    ("YYYY-MM-DD HH:MM:SS.ffffff"), which is what isoformat writes with these arguments. Anything else (null,
    another zone, a naive value to refuse) goes through the processor itself; null stays null.
    """
    return [
        v.replace(tzinfo=None).isoformat(" ", "microseconds")
        if type(v) is datetime and v.tzinfo is UTC
        else None
        if v is None
        else processor(v)
        for v in values
    ]


def _existing(
    session: Session, spec: EntitySpec, store_id: int, source: str, records: Sequence[Mapping[str, Any]]
) -> list[tuple[Row[Any] | None, bool]]:
    """Find each record's stored row; the flag tells whether it was found by its natural key."""
    table = spec.table
    found: list[tuple[Row[Any] | None, bool]] = [(None, False)] * len(records)
    if spec.natural_key:

        def natural(rec: Mapping[str, Any]) -> tuple[Any, ...]:
            return tuple(store_id if col == "store_id" else rec.get(col) for col in spec.natural_key)

        wanted = [natural(rec) for rec in records if None not in natural(rec)]
        key_cols = [table.c[col] for col in spec.natural_key]
        by_key = {
            tuple(row._mapping[col] for col in spec.natural_key): row
            for row in select_in(session, list(table.c), tuple_(*key_cols), wanted)
        }
        found = [(by_key.get(natural(rec)), True) for rec in records]
    missing = [rec["external_id"] for rec, (row, _) in zip(records, found, strict=True) if row is None]
    if missing:
        by_ext = {
            row.external_id: row
            for row in select_in(
                session, list(table.c), table.c.external_id, missing, table.c.source == source
            )
        }
        found = [
            (row, natural) if row is not None else (by_ext.get(rec["external_id"]), False)
            for rec, (row, natural) in zip(records, found, strict=True)
        ]
    return found


def write_round(
    *,
    session: Session,
    store_id: int,
    source: str,
    entity: str,
    records: Sequence[dict[str, Any]],
    defaults: Mapping[str, Any],
    missing_required: Callable[[Mapping[str, Any]], list[FieldError]],
    touched: Touched,
) -> list[Verdict]:
    """Insert or update records whose keys are distinct; return each one's outcome and errors."""
    spec = SPECS[entity]
    table = spec.table
    renamed = {ref.field: ref.column for ref in spec.references}
    insert_defaults = {renamed.get(name, name): value for name, value in defaults.items()}
    verdicts: list[Verdict] = []
    inserts: list[dict[str, Any]] = []
    updates: dict[frozenset[str], list[dict[str, Any]]] = {}
    claimed: set[int] = set()
    for rec, (row, by_natural_key) in zip(
        records, _existing(session, spec, store_id, source, records), strict=True
    ):
        if row is None:
            missing = missing_required(rec)
            if missing:
                verdicts.append(("rejected", missing))
                continue
            new = {**insert_defaults, **rec, "source": source}
            if spec.scoped_to_store:
                new["store_id"] = store_id
            inserts.append(new)
            verdicts.append(("inserted", []))
            continue
        stored = row._mapping
        if row.id in claimed:
            verdicts.append(
                ("rejected", [FieldError("external_id", "another record of this batch is the same row")])
            )
            continue
        claimed.add(row.id)
        if spec.scoped_to_store and stored["store_id"] != store_id:
            verdicts.append(("rejected", [FieldError("external_id", "this record belongs to another store")]))
            continue
        incoming_at = rec.get("updated_at")
        if spec.has_updated_at and incoming_at is not None and incoming_at < stored["updated_at"]:
            verdicts.append(("stale", []))
            continue
        # A row found by its natural key keeps the source and id it was created with.
        skip = {"external_id"} if by_natural_key else set()
        changed = {k: v for k, v in rec.items() if k not in skip and stored[k] != v}
        if not changed:
            verdicts.append(("unchanged", []))
            continue
        updates.setdefault(frozenset(changed), []).append(
            {"_row_id": row.id, **{f"_new_{k}": v for k, v in changed.items()}}
        )
        touched.note(entity, {**stored, **changed}, dict(stored))
        verdicts.append(("updated", []))
    if inserts:
        touched.note_new(entity, inserts)
        insert_rows(session, table, inserts)
    for columns, params in updates.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_row_id"))
            .values({name: bindparam(f"_new_{name}") for name in columns})
        )
        session.execute(statement, params)
    return verdicts
