"""The demo generator: same seed, same data; identical on both databases; never erases real data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from hotdash.clock import FrozenClock
from hotdash.db.session import make_engine
from hotdash.schema import target_metadata
from hotdash.store.demo.service import DemoRefusedError, generate_demo
from hotdash.store.models import Order, Store
from tests.store.demo_fixtures import DEMO_NOW, build_demo


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table; derived tables (rollups) without their surrogate ids, in key order."""
    out = {}
    with engine.connect() as conn:
        for table in target_metadata.sorted_tables:
            if "source" in table.c:
                out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]
            else:
                columns = [c for c in table.c if c.name != "id"]
                out[table.name] = sorted(tuple(r) for r in conn.execute(select(*columns)))
    return out


def test_same_seed_and_now_give_identical_data(tmp_path: Path) -> None:
    first, report = build_demo(tmp_path / "a.db", seed=11)
    second, _ = build_demo(tmp_path / "b.db", seed=11)
    a, b = _contents(first), _contents(second)
    assert report.rows["orders"] == 5_000
    for table in a:
        assert a[table] == b[table], table


def test_another_seed_gives_another_store(tmp_path: Path) -> None:
    first, _ = build_demo(tmp_path / "a.db", seed=11)
    second, _ = build_demo(tmp_path / "b.db", seed=12)
    query = select(Order.placed_at, Order.total).order_by(Order.id).limit(50)
    with first.connect() as c1, second.connect() as c2:
        assert c1.execute(query).all() != c2.execute(query).all()


@pytest.mark.postgres
def test_postgresql_receives_exactly_what_sqlite_does(tmp_path: Path, pg_engine: Engine) -> None:
    sqlite, report = build_demo(tmp_path / "a.db", seed=5)
    generate_demo(engine=pg_engine, clock=FrozenClock(DEMO_NOW), size="small", seed=5)
    a, b = _contents(sqlite), _contents(pg_engine)
    for table, rows in report.rows.items():
        assert len(a[table]) == rows, table
    assert a["sales_hourly"], "the rollups were built"
    for table in a:
        assert a[table] == b[table], table
    # Ids continue after the generated rows, so the next insert does not collide.
    with pg_engine.begin() as conn:
        new_id = conn.execute(
            Store.__table__.insert()
            .values(
                source="shopify",
                external_id="s2",
                name="Second",
                currency="USD",
                timezone="UTC",
                created_at=datetime.now(UTC),
            )
            .returning(Store.id)
        ).scalar_one()
    assert new_id == 2


def test_demo_refuses_to_erase_imported_data(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(
            Store.__table__.insert().values(
                source="shopify",
                external_id="1",
                name="Real shop",
                currency="USD",
                timezone="UTC",
                created_at=DEMO_NOW,
            )
        )
    with pytest.raises(DemoRefusedError, match="stores"):
        generate_demo(engine=sqlite_engine, clock=FrozenClock(DEMO_NOW))
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(Store.name)).scalars().all() == ["Real shop"]
    generate_demo(engine=sqlite_engine, clock=FrozenClock(DEMO_NOW), force=True)
    with sqlite_engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(Store).where(Store.source == "shopify")).scalar()
            == 0
        )


def test_regenerating_replaces_the_previous_demo(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    generate_demo(engine=engine, clock=FrozenClock(DEMO_NOW), seed=1)
    later = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    generate_demo(engine=engine, clock=FrozenClock(later), seed=1)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Order)).scalar() == 5_000
        latest = conn.execute(select(func.max(Order.placed_at))).scalar()
    assert latest is not None
    assert latest > DEMO_NOW, "the second demo ends at its own, later now"
