"""Events published in a transaction reach subscribers once, after the outermost commit, and never when the
part of the transaction that made them rolls back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from hotdash.events import EventBus, publish_after_commit


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        yield session
    engine.dispose()


def listening() -> tuple[EventBus, list[object]]:
    bus, heard = EventBus(), []
    bus.subscribe(str, heard.append)
    return bus, heard


def test_an_event_from_a_released_savepoint_waits_for_the_outer_commit(session: Session) -> None:
    bus, heard = listening()
    session.execute(text("SELECT 1"))
    with session.begin_nested():
        publish_after_commit(session, "order 1 upserted", to=bus)
    # The SAVEPOINT is released but the transaction is still open: a subscriber could not see the row yet.
    assert heard == []
    session.commit()
    assert heard == ["order 1 upserted"]
    session.commit()
    assert heard == ["order 1 upserted"]


def test_a_rolled_back_savepoint_drops_only_its_own_events(session: Session) -> None:
    bus, heard = listening()
    session.execute(text("SELECT 1"))
    publish_after_commit(session, "kept", to=bus)
    with session.begin_nested():
        publish_after_commit(session, "also kept", to=bus)
    nested = session.begin_nested()
    publish_after_commit(session, "dropped", to=bus)
    nested.rollback()
    session.commit()
    assert heard == ["kept", "also kept"]


def test_a_rolled_back_transaction_publishes_nothing(session: Session) -> None:
    bus, heard = listening()
    session.execute(text("SELECT 1"))
    with session.begin_nested():
        publish_after_commit(session, "never", to=bus)
    session.rollback()
    session.commit()
    assert heard == []
