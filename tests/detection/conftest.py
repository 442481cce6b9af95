"""A session on a migrated database for hand-made rule datasets, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on both databases (see the `engine` fixture); rolled back afterwards."""
    db = session_factory(engine)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()
