"""Property tests: whatever mix of good and malformed rows arrives, each bad one is rejected with a reason,
every good one lands, and what is stored is exactly what an independent model of the rows expects."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.store.ingest.files.service import FileImport
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Customer, Order

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BASE = datetime(2026, 1, 1, tzinfo=UTC)

# Text a person could type, without surrounding spaces (the importer trims them) or NUL (refused as binary).
WORDS = (
    st.text(
        alphabet=st.characters(codec="cp1252", categories=["L", "N", "P", "Zs"], exclude_characters="\x00"),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
MONEY = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
MOMENT = st.integers(min_value=0, max_value=3 * 365 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))


@st.composite
def good_order(draw: st.DrawFn, index: int) -> dict[str, Any]:
    placed = draw(MOMENT)
    return {
        "external_id": f"O{index}",
        "number": f"#{1000 + index}",
        "channel": draw(st.sampled_from(["web", "pos", "marketplace"])),
        "currency": "EUR",
        "subtotal": draw(MONEY),
        "total": draw(MONEY),
        "financial_status": "paid",
        "fulfillment_status": draw(st.sampled_from(["unfulfilled", "fulfilled"])),
        "tags": draw(WORDS),
        "placed_at": placed,
        "updated_at": placed + timedelta(minutes=draw(st.integers(0, 600))),
    }


# (column, bad text in a file, what the reason must say)
FILE_CORRUPTIONS = [
    ("total", "12.3.4", "not a number"),
    ("total", "1e20", "less than"),
    ("placed_at", "2026-02-30T10:00:00Z", "not a timestamp"),
    ("placed_at", "9999-01-01T00:00:00Z", "outside"),
    ("ship_by", "03/04/2026", "ambiguous"),
    ("number", "#" + "9" * 40, "at most 32"),
    ("channel", "x" * 100_000, "at most 32"),
    ("financial_status", "", "required for a new record"),
    ("currency", "EURO", "at most 3"),
]

# (field, bad Python value, what the reason must say) for records handed to upsert_batch directly.
VALUE_CORRUPTIONS: list[tuple[str, Any, str]] = [
    ("total", 12.5, "not float"),
    ("total", "12.50", "not str"),
    ("placed_at", datetime(2026, 1, 1), "timezone"),
    ("placed_at", datetime(1, 1, 1, tzinfo=UTC), "outside"),
    ("subtotal", True, "boolean"),
    ("tags", "a\x00b", "NUL"),
    ("number", None, "valid string"),
    ("colour", "red", "unknown field"),
    ("channel", "y" * 5000, "at most 32"),
]


def to_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def stored_orders(session: Session, source: str) -> dict[str, tuple[Any, ...]]:
    rows = session.execute(
        select(
            Order.external_id, Order.total, Order.subtotal, Order.placed_at, Order.tags, Order.channel
        ).where(Order.source == source)
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def expected(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record["total"], record["subtotal"], record["placed_at"], record["tags"], record["channel"])


@SETTINGS
@given(data=st.data())
def test_malformed_records_are_rejected_and_good_ones_land_intact(
    session: Session, store_id: int, data: st.DataObject
) -> None:
    source = f"p{uuid.uuid4().hex[:10]}"
    count = data.draw(st.integers(1, 12))
    records = [data.draw(good_order(i)) for i in range(count)]
    bad = data.draw(st.sets(st.integers(0, count - 1)))
    reasons = {}
    for i in bad:
        field, value, reason = data.draw(st.sampled_from(VALUE_CORRUPTIONS))
        records[i][field] = value
        reasons[i] = (field, reason)

    result = upsert_batch(session=session, store_id=store_id, source=source, batch={"orders": records})
    session.commit()

    for outcome in result.records:
        if outcome.index in reasons:
            field, reason = reasons[outcome.index]
            assert outcome.outcome == "rejected"
            assert any(e.field == field and reason in e.message for e in outcome.errors), outcome.errors
        else:
            assert outcome.outcome == "inserted", outcome.errors
    good = {r["external_id"]: expected(r) for i, r in enumerate(records) if i not in bad}
    assert stored_orders(session, source) == good


@SETTINGS
@given(data=st.data())
def test_malformed_csv_rows_are_rejected_by_line_and_the_file_still_lands(
    session: Session, store_id: int, data: st.DataObject
) -> None:
    source = f"f{uuid.uuid4().hex[:10]}"
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    delimiter = data.draw(st.sampled_from([",", ";", "\t", "|"]))
    columns = ["external_id", "number", "channel", "currency", "subtotal", "total", "financial_status",
               "fulfillment_status", "tags", "placed_at", "updated_at", "ship_by"]  # fmt: skip
    count = data.draw(st.integers(1, 10))
    records = [data.draw(good_order(i)) for i in range(count)]
    lines = [delimiter.join(columns)]
    reasons: dict[int, str | None] = {}
    for i, record in enumerate(records):
        cells = [to_text(record.get(column, "")) for column in columns]
        kind = data.draw(st.sampled_from(["good", "good", "bad", "other delimiter"]))
        if kind == "bad":
            column, text, reason = data.draw(st.sampled_from(FILE_CORRUPTIONS))
            cells[columns.index(column)] = text
            reasons[i] = reason
        quoted = ['"' + c.replace('"', '""') + '"' if delimiter in c or '"' in c else c for c in cells]
        if kind == "other delimiter":
            # A row pasted from another file: it reads as one cell, so its required columns are missing.
            other = "," if delimiter != "," else ";"
            quoted = [c.replace(other, " ").replace(delimiter, " ").replace('"', " ") for c in cells]
            lines.append(other.join(quoted))
            reasons[i] = None
            continue
        lines.append(delimiter.join(quoted))
    data_bytes = "\r\n".join(lines).encode(encoding)

    summary = FileImport(
        session=session, entity="orders", binary=io.BytesIO(data_bytes), filename="orders.csv",
        now=BASE, store_id=store_id, source=source,
    ).run(lambda _s, _n: session.commit())  # fmt: skip
    session.commit()

    rejected = {r.number - 2: r for r in summary.first_rejects}  # line 1 is the header
    assert set(rejected) == set(reasons)
    for i, reason in reasons.items():
        if reason is not None:
            assert any(reason in e.message for e in rejected[i].errors), rejected[i].errors
    assert summary.inserted == count - len(reasons)
    good = {r["external_id"]: expected(r) for i, r in enumerate(records) if i not in reasons}
    assert stored_orders(session, source) == good
    if summary.rejects is not None:
        assert len(summary.rejects.splitlines()) >= len(reasons) + 1


@SETTINGS
@given(data=st.data())
def test_replaying_updates_in_any_order_keeps_the_newest_and_counts_stay_exact(
    session: Session, store_id: int, data: st.DataObject
) -> None:
    source = f"r{uuid.uuid4().hex[:10]}"
    customer = {"external_id": "C", "email": "c@example.com", "created_at": BASE, "updated_at": BASE}
    upsert_batch(session=session, store_id=store_id, source=source, batch={"customers": [customer]})
    versions = [
        {**data.draw(good_order(0)), "customer_external_id": "C", "updated_at": BASE + timedelta(hours=h),
         "cancelled_at": data.draw(st.none() | st.just(BASE))}
        for h in data.draw(st.lists(st.integers(0, 100), min_size=1, max_size=6, unique=True))
    ]  # fmt: skip
    for version in data.draw(st.permutations(versions)):
        upsert_batch(session=session, store_id=store_id, source=source, batch={"orders": [version]})
    session.commit()

    newest = max(versions, key=lambda v: v["updated_at"])
    assert stored_orders(session, source) == {"O0": expected(newest)}
    figures = session.execute(
        select(Customer.orders_count, Customer.total_spent).where(Customer.source == source)
    ).one()
    live = newest["cancelled_at"] is None
    assert tuple(figures) == ((1, newest["total"]) if live else (0, Decimal("0.00")))
