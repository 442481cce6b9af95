"""Fixtures of the ingestion tests: a migrated database (SQLite and PostgreSQL) holding one empty store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.store.models import Store


def add_store(session: Session, *, external_id: str = "shop-1", timezone: str = "Europe/Berlin") -> int:
    store = Store(
        source="test",
        external_id=external_id,
        name=f"Store {external_id}",
        currency="EUR",
        timezone=timezone,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    session.add(store)
    session.flush()
    return store.id


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on a fresh database with one store (id in `store_id`); tests commit themselves."""
    with session_factory(engine)() as session:
        add_store(session)
        session.commit()
        yield session


@pytest.fixture
def store_id(session: Session) -> int:
    return session.execute(select(Store.id)).scalar_one()
