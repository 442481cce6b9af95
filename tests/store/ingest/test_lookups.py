"""Looking up thousands of keys at once (`select_in`, `in_values`) finds exactly the rows an IN list finds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hotdash.store.ingest.resolve import select_in
from hotdash.store.models import Customer

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _customers(session: Session, store_id: int, count: int) -> None:
    session.execute(
        insert(Customer),
        [
            {"source": "lk", "external_id": f"K{i}", "store_id": store_id, "created_at": T0, "updated_at": T0}
            for i in range(count)
        ],
    )
    session.flush()


def test_twelve_thousand_text_keys_find_exactly_the_stored_ones(session: Session, store_id: int) -> None:
    _customers(session, store_id, 9_000)
    # Stored and unknown ids, repeats, quotes and non-ASCII text: the JSON array must carry each as it is.
    wanted = [f"K{i}" for i in range(0, 12_000)] + ["K5", 'K"1', "Kß", "K1'; --"]
    rows = select_in(session, [Customer.external_id], Customer.external_id, wanted, Customer.source == "lk")
    assert sorted(row[0] for row in rows) == sorted(f"K{i}" for i in range(9_000))


def test_twelve_thousand_integer_keys_find_exactly_the_stored_ones(session: Session, store_id: int) -> None:
    _customers(session, store_id, 9_000)
    ids = [row[0] for row in session.execute(select(Customer.id).where(Customer.source == "lk"))]
    wanted = ids[::2] + [max(ids) + n for n in range(1, 3_000)]
    rows = select_in(session, [Customer.id], Customer.id, wanted)
    assert sorted(row[0] for row in rows) == sorted(ids[::2])
    # The same answer as the database's own count over the same ids.
    expected = session.execute(
        select(func.count()).select_from(Customer).where(Customer.id.in_(ids[::2]))
    ).scalar_one()
    assert len(rows) == expected
