"""A session on a migrated database (SQLite and PostgreSQL) for the account services, with cheap hashing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotdash.auth import passwords
from hotdash.db.session import session_factory
from tests.auth.helpers import CHEAP_HASHER


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", CHEAP_HASHER)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on both databases (see the `engine` fixture); rolled back afterwards."""
    db = session_factory(engine)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()
