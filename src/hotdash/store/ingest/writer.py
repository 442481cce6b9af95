"""Write one round of validated, resolved records of one entity: find, classify, insert and update in bulk."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Row, Table, bindparam, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from hotdash.db.dialects import copy_rows
from hotdash.db.types import Money, UTCDateTime
from hotdash.store.ingest.absent import ABSENT
from hotdash.store.ingest.packing import (
    only_utc,
    pickled_columns,
    unpickled_columns,
    utc_text,
    utc_texts,
)
from hotdash.store.ingest.resolve import select_in
from hotdash.store.ingest.results import FieldError, Outcome
from hotdash.store.ingest.specs import SPECS, EntitySpec
from hotdash.store.models import Order


@dataclass
class CustomerShare:
    """What some new live orders of one customer add to its lifetime figures."""

    orders: int
    spent: Decimal
    first: datetime


@dataclass
class Touched:
    """What a batch changed that derived figures depend on."""

    moments: list[datetime] = field(default_factory=list)
    customer_ids: set[int] = field(default_factory=set)
    line_order_ids: set[int] = field(default_factory=set)
    refund_order_ids: set[int] = field(default_factory=set)
    shipment_order_ids: set[int] = field(default_factory=set)
    # What new live orders add to their customers' lifetime figures: customer id -> (orders, their total,
    # the earliest placing). Added to the stored figures of the customers not recomputed (derived).
    customer_shares: dict[int, CustomerShare] = field(default_factory=dict)

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

    def note_new(self, entity: str, columns: Mapping[str, Sequence[Any]], *, shares: bool = False) -> None:
        """`note` for rows being inserted, given as columns (column name -> one value per row).

        With `shares`, new orders are noted as what they add to their customers' figures (`customer_shares`),
        which needs their total and cancelled_at too; without, their customers are recomputed.
        """
        if entity == "orders":
            self.moments.extend(m for m in columns.get("placed_at", ()) if m is not None)
            if shares:
                self._share(columns)
            else:
                self.customer_ids.update(c for c in columns.get("customer_id", ()) if c is not None)
        elif entity in ("order_lines", "refunds", "shipments"):
            ids = {
                "order_lines": self.line_order_ids,
                "refunds": self.refund_order_ids,
                "shipments": self.shipment_order_ids,
            }[entity]
            ids.update(o for o in columns.get("order_id", ()) if o is not None)

    def _share(self, columns: Mapping[str, Sequence[Any]]) -> None:
        placed = columns["placed_at"]
        nothing = [None] * len(placed)
        customers, cancelled = columns.get("customer_id", nothing), columns.get("cancelled_at", nothing)
        for customer, cancelled_at, total, placed_at in zip(
            customers, cancelled, columns["total"], placed, strict=True
        ):
            if customer is None or cancelled_at is not None:
                continue  # a cancelled order counts for no one
            share = self.customer_shares.get(customer)
            if share is None:
                self.customer_shares[customer] = CustomerShare(1, total, placed_at)
            else:
                share.orders += 1
                share.spent += total
                share.first = min(share.first, placed_at)

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
# The columns Touched.note_new reads.
NOTED = ("placed_at", "customer_id", "order_id")


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Append rows that all have the same keys (see insert_columns)."""
    names = list(rows[0])
    insert_columns(session, table, {name: [row[name] for row in rows] for name in names})


def insert_columns(
    session: Session,
    table: Table,
    given: Mapping[str, Sequence[Any]],
    ready: Mapping[str, Sequence[Any]] | None = None,
) -> None:
    """Append rows given as columns of equal length, as fast as the database takes them (see copy_rows).

    Values go through each column type's own bind processor, so they are stored exactly as an ORM insert
    would store them; column defaults the rows leave out are filled in the same way. `ready` holds columns
    already in that storage form (`stored_forms`), used instead of converting `given`'s again.
    """
    connection = session.connection()
    dialect = connection.dialect
    count = len(next(iter(given.values())))
    names = list(given)
    extra = {
        column.name: column.default.arg
        for column in table.c
        if column.name not in given and isinstance(column.default, ScalarElementColumnDefault)
    }
    names += list(extra)
    columns = []
    for name in names:
        values = given[name] if name not in extra else [extra[name]] * count
        if ready and name in ready:
            columns.append(ready[name])
            continue
        converted = _storage(dialect, table.c[name].type, values)
        columns.append(values if converted is None else converted)
    copy_rows(connection, table, names, zip(*columns, strict=True))


@dataclass(frozen=True)
class StoredForms:
    """Columns already in one dialect's storage form: field -> one value per row (ABSENT kept as is)."""

    dialect: str
    columns: dict[str, list[Any]]
    # The timestamp columns whose every value is in UTC: their texts give the datetimes back (packing).
    utc: frozenset[str] = frozenset()

    def utc_texts(self) -> dict[str, list[Any]]:
        """The stored texts of the `utc` columns, from which `packing.utc_moments` rebuilds them."""
        return {name: self.columns[name] for name in self.utc}

    def __getstate__(self) -> dict[str, Any]:
        return {"dialect": self.dialect, "columns": pickled_columns(self.columns), "utc": self.utc}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "dialect", state["dialect"])
        object.__setattr__(self, "columns", unpickled_columns(state["columns"]))
        object.__setattr__(self, "utc", state["utc"])


def stored_forms(dialect: Dialect, table: Table, columns: Mapping[str, Sequence[Any]]) -> StoredForms:
    """The storage form of each of `columns` that its type converts value by value (what insert_columns does).

    The import worker computes these while the importer writes the previous chunk (see files.parallel).
    """
    out: dict[str, list[Any]] = {}
    utc = set()
    for name, values in columns.items():
        if name not in table.c:
            continue
        kind = table.c[name].type
        if dialect.name == "sqlite" and isinstance(kind, UTCDateTime) and only_utc(values):
            out[name] = utc_texts(values)  # ABSENT and null kept, so no second pass
            utc.add(name)
            continue
        present = [value for value in values if value is not ABSENT]
        converted = _storage(dialect, kind, present)
        if converted is None:
            continue
        if len(present) < len(values):
            forms = iter(converted)
            converted = [ABSENT if value is ABSENT else next(forms) for value in values]
        out[name] = converted
    return StoredForms(dialect.name, out, frozenset(utc))


def _storage(dialect: Dialect, kind: Any, values: Sequence[Any]) -> list[Any] | None:
    """`values` as the column type's bind processor stores them; None if the type stores them as they are."""
    processor = kind.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return None
    if dialect.name == "sqlite" and isinstance(kind, UTCDateTime):
        return sqlite_utc_texts(values, processor)
    if dialect.name == "sqlite" and isinstance(kind, Money):
        return sqlite_money(values, processor)
    return [processor(v) for v in values]


def sqlite_money(values: Sequence[Any], processor: Callable[[Any], Any]) -> list[Any]:
    """What Money's processor makes of each Decimal on SQLite (a float rounded to cents), in one pass."""
    return [round(float(v), 2) if type(v) is Decimal else None if v is None else processor(v) for v in values]


def sqlite_utc_texts(values: Sequence[Any], processor: Callable[[Any], Any]) -> list[Any]:
    """What UTCDateTime's processor makes of each value on SQLite, without its two calls per value.

    Validated timestamps are already in UTC; their stored text is `packing.utc_texts`'s. Anything else
    (another zone, a naive value to refuse) goes through the processor itself; null stays null.
    """
    return [
        utc_text(v) if type(v) is datetime and v.tzinfo is UTC else None if v is None else processor(v)
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
        touched.note_new(entity, {name: [row.get(name) for row in inserts] for name in NOTED})
        insert_rows(session, table, inserts)
    for columns, params in updates.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_row_id"))
            .values({name: bindparam(f"_new_{name}") for name in columns})
        )
        session.execute(statement, params)
    return verdicts
