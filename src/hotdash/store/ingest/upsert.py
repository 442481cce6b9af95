"""`upsert_batch`: the one door every source's data comes in through.

The contract (issue 4), which every connector, the file importer and the event API code against:

- A *canonical batch* maps entity names (the tables: customers, orders, order_lines, ...) to sequences of
  records. The batch belongs to one store and one source, given beside it; records carry neither, nor an `id`.
- Each record uses the fields of its model in `hotdash.store.ingest.records`: `external_id` (its id in the
  source) is always required; every foreign key is given as `<name>_external_id`, the referenced record's
  external id in the same source; tickets may instead carry `customer_email` / `order_number`, which link them
  to the store's customer or order when one matches (and leave the link alone when none does).
- Values are Python values, validated strictly: timezone-aware `datetime`, `date`, `Decimal` (or `int`) for
  money and rates, `int`, `bool`, `str`. Decimals are rounded half-up to the column's places.
- A key absent from a record means "unknown: keep what is stored" on update; defaults apply on insert, where
  the model's required fields must all be present.

What happens:

- Entities are processed in dependency order (suppliers, products, skus, locations, team members, customers,
  orders, lines, refunds, returns, inventory, shipments, tracking, tickets, traffic, calendar), whatever order
  the batch lists them in, so a line may refer to an order sent in the same batch.
- Records are found by (source, external_id); page_traffic by (store, day, landing_page) and
  inventory_levels by (sku, location) first, so two sources reporting the same natural row update one row.
- Each record gets one outcome: *inserted*; *updated*; *unchanged* (every value sent equals what is stored:
  nothing is written, so sending the same batch twice changes nothing); *stale* (its `updated_at` is older
  than the stored one: a late delivery never overwrites newer data); *rejected* (a bad type, a missing
  required field, an unknown field, a reference to an external id the source never sent, a record of another
  store), with a `FieldError` per problem. A rejected record writes nothing, and never stops the others.
- The same external id twice in one batch is applied in order, as if sent in two batches.
- After the records, the customers whose orders or refunds changed get their lifetime figures recomputed, and
  the sales rollups are recomputed for the hours and days the changed orders and lines fall in.
- Work is set-based: per entity, one query per referenced entity, one to find existing rows, one
  executemany for the inserts and one per shape of update.
- It flushes and never commits: the caller (request, CLI command, job) owns the transaction.

Errors that are not about a record (an unknown entity, a store that does not exist) raise before anything is
written: `UnknownEntity`, `UnknownStore`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache, partial
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.store.ingest.derived import (
    add_customer_shares,
    refresh_customer_figures,
    refresh_touched_rollups,
)
from hotdash.store.ingest.published import publish_upserted
from hotdash.store.ingest.records import DERIVED, RECORDS, patch_model, required_fields
from hotdash.store.ingest.resolve import link_tickets, resolve_references
from hotdash.store.ingest.results import (
    BatchResult,
    FieldError,
    Outcome,
    RecordResult,
    UnknownEntity,
    UnknownStore,
)
from hotdash.store.ingest.specs import ENTITIES, SPECS
from hotdash.store.ingest.writer import Touched, write_round
from hotdash.store.models import Store

__all__ = [
    "BatchResult",
    "FieldError",
    "RecordResult",
    "UnknownEntity",
    "UnknownStore",
    "upsert_batch",
]


def _message(error: Any) -> str:
    text = str(error["msg"])
    return text.removeprefix("Value error, ")


def field_errors(invalid: ValidationError) -> list[FieldError]:
    """Turn pydantic's errors into one FieldError per problem, named by the record's field."""
    errors = []
    for error in invalid.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        reason = "unknown field" if error["type"] == "extra_forbidden" else _message(error)
        errors.append(FieldError(where, reason))
    return errors


def validate_record(entity: str, raw: Any) -> tuple[dict[str, Any], list[FieldError]]:
    """Return the fields a record sends, as validated values, or the reasons it is not a valid record."""
    if not isinstance(raw, Mapping):
        return {}, [FieldError("", f"a record must be a mapping of field to value, not {type(raw).__name__}")]
    errors = [FieldError(name, why) for name, why in DERIVED.get(entity, {}).items() if name in raw]
    clean = {key: value for key, value in raw.items() if key not in DERIVED.get(entity, {})}
    try:
        model = patch_model(entity).model_validate(clean)
    except ValidationError as invalid:
        return {}, errors + field_errors(invalid)
    if "external_id" not in model.model_fields_set or model.external_id is None:  # type: ignore[attr-defined]
        errors.append(FieldError("external_id", "required: the record's id in its source"))
    values = {name: getattr(model, name) for name in model.model_fields_set}
    return values, errors


@cache
def _defaults(entity: str) -> dict[str, Any]:
    return {
        name: info.default
        for name, info in RECORDS[entity].model_fields.items()
        if not info.is_required() and name not in SPECS[entity].extra_fields
    }


@cache
def insert_defaults(entity: str) -> dict[str, Any]:
    """The value a new record gets for each field it leaves out, by table column (references renamed)."""
    renamed = {ref.field: ref.column for ref in SPECS[entity].references}
    return {renamed.get(name, name): value for name, value in _defaults(entity).items()}


def required_columns(entity: str) -> frozenset[str]:
    """The table columns a new record must fill (references by the id column they resolve into)."""
    return _required_set(entity)


@cache
def _required_columns(entity: str) -> tuple[tuple[str, str], ...]:
    # References are checked by the column they were resolved into.
    column = {ref.field: ref.column for ref in SPECS[entity].references}
    return tuple((name, column.get(name, name)) for name in required_fields(entity))


@cache
def _required_set(entity: str) -> frozenset[str]:
    return frozenset(column for _, column in _required_columns(entity))


def _missing_required(entity: str, values: Mapping[str, Any]) -> list[FieldError]:
    if _required_set(entity) <= values.keys():
        return []  # the usual case, one set test
    return [
        FieldError(name, "required for a new record")
        for name, column in _required_columns(entity)
        if column not in values
    ]


def _rounds(keys: Sequence[Sequence[Any]]) -> list[int]:
    """Put records in rounds so that no two in a round share a key, and repeats keep their batch order.

    Each record's keys are its external id and, where the entity has one, its natural key.
    """
    last: dict[Any, int] = {}
    rounds = []
    for record_keys in keys:
        number = max((last.get(key, -1) + 1 for key in record_keys), default=0)
        for key in record_keys:
            last[key] = number
        rounds.append(number)
    return rounds


def apply_validated(
    *,
    session: Session,
    store_id: int,
    source: str,
    entity: str,
    records: list[dict[str, Any]],
    errors: list[list[FieldError]],
    external_ids: Sequence[str | None],
    touched: Touched,
    rejected: Mapping[str, set[str]],
) -> list[RecordResult]:
    """Resolve, classify and write records already validated (as `validate_record` returns them).

    `records[i]` are the validated values of record i and `errors[i]` the reasons it is invalid (then nothing
    of it is written). This is everything `upsert_batch` does after validation; the file importer's columnar
    path, which validates whole columns at once, comes in here too, so both decide outcomes the same way.
    """
    spec = SPECS[entity]
    resolve_references(
        session=session,
        entity=entity,
        source=source,
        store_id=store_id,
        records=records,
        errors=errors,
        rejected=rejected,
    )
    if entity == "tickets":
        link_tickets(
            session=session,
            store_id=store_id,
            records=[rec for rec, errs in zip(records, errors, strict=True) if not errs],
        )
    keys: list[list[Any]] = []
    for rec in records:
        record_keys: list[Any] = [("external", rec.get("external_id"))]
        if spec.natural_key:
            natural = tuple(store_id if col == "store_id" else rec.get(col) for col in spec.natural_key)
            if None not in natural:  # a partial update found by its external id alone
                record_keys.append(("natural", natural))
        keys.append(record_keys)
    # A repeated external id or natural key waits for the next round: applied in order, as if sent later.
    rounds = _rounds(keys)
    outcomes: list[Outcome | None] = [None] * len(records)
    for number in range(max(rounds, default=-1) + 1):
        members = [i for i, r in enumerate(rounds) if r == number and not errors[i]]
        if not members:
            continue
        results = write_round(
            session=session,
            store_id=store_id,
            source=source,
            entity=entity,
            records=[records[i] for i in members],
            defaults=_defaults(entity),
            missing_required=partial(_missing_required, entity),
            touched=touched,
        )
        for i, (verdict, errs) in zip(members, results, strict=True):
            outcomes[i] = verdict
            errors[i].extend(errs)
    results_out = []
    for index, (ext, errs) in enumerate(zip(external_ids, errors, strict=True)):
        decided = outcomes[index]
        outcome: Outcome = "rejected" if errs or decided is None else decided
        results_out.append(
            RecordResult(
                entity=entity,
                index=index,
                external_id=ext if isinstance(ext, str) else None,
                outcome=outcome,
                errors=tuple(errs),
            )
        )
    return results_out


def _upsert_entity(
    *,
    session: Session,
    store_id: int,
    source: str,
    entity: str,
    raws: Sequence[Any],
    touched: Touched,
    rejected: Mapping[str, set[str]],
) -> list[RecordResult]:
    validated = [validate_record(entity, raw) for raw in raws]
    return apply_validated(
        session=session,
        store_id=store_id,
        source=source,
        entity=entity,
        records=[values for values, _ in validated],
        errors=[errs for _, errs in validated],
        external_ids=[raw.get("external_id") if isinstance(raw, Mapping) else None for raw in raws],
        touched=touched,
        rejected=rejected,
    )


def check_store(session: Session, store_id: int) -> None:
    """Raise UnknownStore unless the store exists."""
    if session.execute(select(Store.id).where(Store.id == store_id)).scalar_one_or_none() is None:
        raise UnknownStore(f"no store with id {store_id}")


def refresh_derived(*, session: Session, store_id: int, touched: Touched) -> None:
    """Bring lifetime figures and rollups in step with what the batch touched, and flush."""
    recomputed = touched.customers_of_orders(session)
    refresh_customer_figures(session=session, customer_ids=recomputed)
    # A customer recomputed has its new orders counted already (they are written by now).
    add_customer_shares(
        session=session,
        shares={c: share for c, share in touched.customer_shares.items() if c not in recomputed},
    )
    moments: list[datetime] = touched.order_moments(session)
    refresh_touched_rollups(session=session, store_id=store_id, moments=moments)
    session.flush()


def upsert_batch(
    *, session: Session, store_id: int, source: str, batch: Mapping[str, Sequence[Mapping[str, Any]]]
) -> BatchResult:
    """Validate, resolve and insert or update every record of the batch; flush, and report each outcome."""
    unknown = sorted(set(batch) - set(ENTITIES))
    if unknown:
        raise UnknownEntity(f"unknown entities {unknown}; known: {', '.join(ENTITIES)}")
    check_store(session, store_id)
    result = BatchResult()
    touched = Touched()
    # External ids turned away so far, so a reference to one says so instead of "never sent".
    rejected: dict[str, set[str]] = {}
    for entity in ENTITIES:
        if batch.get(entity):
            outcomes = _upsert_entity(
                session=session,
                store_id=store_id,
                source=source,
                entity=entity,
                raws=batch[entity],
                touched=touched,
                rejected=rejected,
            )
            rejected[entity] = {r.external_id for r in outcomes if r.outcome == "rejected" and r.external_id}
            result.records.extend(outcomes)
    refresh_derived(session=session, store_id=store_id, touched=touched)
    publish_upserted(session=session, store_id=store_id, source=source, result=result)
    return result
