"""Turn external ids into row ids: one query per referenced entity per batch, never one per record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Tuple

from hotdash.db.dialects import in_values
from hotdash.store.ingest.results import FieldError
from hotdash.store.ingest.specs import SPECS
from hotdash.store.models import Customer, Order

T = TypeVar("T")

# Bound parameters per IN list: far below SQLite's and PostgreSQL's limits, large enough for whole chunks.
IN_CHUNK = 5_000


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """Yield `values` in slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def select_in(
    session: Session, columns: Sequence[Any], key: Any, values: Iterable[Any], *where: ColumnElement[bool]
) -> list[Any]:
    """Run `SELECT columns WHERE key IN values AND where`, in as few statements as the limits allow."""
    distinct = sorted(set(values), key=repr)
    # Rows, typed loosely: callers unpack them by the columns they asked for.
    rows: list[Any] = []
    if not distinct:
        return rows
    kinds = {type(value) for value in distinct}
    if not isinstance(key, Tuple) and (kinds == {str} or kinds == {int}):
        # One parameter for the whole list (see in_values): a large import looks up 20,000 keys at once.
        dialect = session.get_bind().dialect.name
        return list(session.execute(select(*columns).where(in_values(dialect, key, distinct), *where)).all())
    for part in chunks(distinct):
        rows.extend(session.execute(select(*columns).where(key.in_(part), *where)).all())
    return rows


def resolve_references(
    *,
    session: Session,
    entity: str,
    source: str,
    store_id: int,
    records: list[dict[str, Any]],
    errors: list[list[FieldError]],
    rejected: Mapping[str, set[str]] | None = None,
) -> None:
    """Replace each `<name>_external_id` by `<name>_id` in place; note an error where none matches."""
    for reference in SPECS[entity].references:
        wanted = {
            rec[reference.field]
            for rec, errs in zip(records, errors, strict=True)
            if not errs and rec.get(reference.field) is not None
        }
        target = SPECS[reference.target]
        table = target.table
        found: dict[str, tuple[int, int | None]] = {}
        if wanted:
            store_col = table.c.store_id if target.scoped_to_store else None
            columns = [table.c.external_id, table.c.id] + ([store_col] if store_col is not None else [])
            for row in select_in(session, columns, table.c.external_id, wanted, table.c.source == source):
                found[row[0]] = (row[1], row[2] if store_col is not None else None)
        for rec, errs in zip(records, errors, strict=True):
            if reference.field not in rec:
                continue
            value = rec.pop(reference.field)
            if errs:
                continue
            if value is None:
                rec[reference.column] = None
                continue
            hit = found.get(value)
            if hit is None and value in (rejected or {}).get(reference.target, set()):
                errs.append(
                    FieldError(reference.field, f"{reference.target} {value!r} of this batch was rejected")
                )
            elif hit is None:
                errs.append(
                    FieldError(
                        reference.field,
                        f"no {reference.target} with external id {value!r} in source {source!r}; "
                        "send it first or in the same batch",
                    )
                )
            elif hit[1] is not None and hit[1] != store_id:
                errs.append(
                    FieldError(reference.field, f"{reference.target} {value!r} belongs to another store")
                )
            else:
                rec[reference.column] = hit[0]


def _normal_number(number: str) -> str:
    return number.strip().lstrip("#")


def link_tickets(*, session: Session, store_id: int, records: list[dict[str, Any]]) -> None:
    """Fill customer_id / order_id from customer_email / order_number where the ids were not given.

    A ticket about a customer or order HotDash does not hold is still a ticket: an email or number that
    matches nothing leaves the link as it is instead of rejecting the ticket.
    """
    emails = {
        rec["customer_email"].strip().lower()
        for rec in records
        if rec.get("customer_email") and "customer_id" not in rec
    }
    numbers = {
        _normal_number(rec["order_number"])
        for rec in records
        if rec.get("order_number") and "order_id" not in rec
    }
    by_email: dict[str, int] = {}
    if emails:
        email = func.lower(Customer.email)
        # Oldest customer first, so the same email always links to the same record.
        rows = select_in(session, [email, Customer.id], email, emails, Customer.store_id == store_id)
        for key, customer_id in sorted(rows, key=lambda row: row[1], reverse=True):
            by_email[key] = customer_id
    by_number: dict[str, tuple[int, int | None]] = {}
    if numbers:
        variants = numbers | {f"#{number}" for number in numbers}
        rows = select_in(
            session,
            [Order.number, Order.id, Order.customer_id],
            Order.number,
            variants,
            Order.store_id == store_id,
        )
        for number, order_id, customer_id in sorted(rows, key=lambda row: row[1], reverse=True):
            by_number[_normal_number(number)] = (order_id, customer_id)
    for rec in records:
        email_given = rec.pop("customer_email", None)
        number_given = rec.pop("order_number", None)
        if number_given and "order_id" not in rec:
            order = by_number.get(_normal_number(number_given))
            if order is not None:
                rec["order_id"] = order[0]
                if "customer_id" not in rec and order[1] is not None and not email_given:
                    rec["customer_id"] = order[1]
        if email_given and "customer_id" not in rec:
            customer_id = by_email.get(email_given.strip().lower())
            if customer_id is not None:
                rec["customer_id"] = customer_id
