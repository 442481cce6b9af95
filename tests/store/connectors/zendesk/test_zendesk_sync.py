"""`hotdash sync zendesk` end to end: a local Zendesk on loopback, the real mappers and upserts, both DBs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.store.connectors.zendesk.sync import SyncFailed, ZendeskSync, load_cursor
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Order, TeamMember, Ticket
from hotdash.store.models.ingest import Source
from hotdash.store.sources import service
from hotdash.store.sources.crypto import SecretBox, new_key
from tests.store.connectors.helpers import seed_shop
from tests.store.connectors.zendesk.replay_zendesk import EMAIL, LAST_CURSOR, TOKEN, Fault, ReplayZendesk

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class RecordedSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def zendesk() -> Iterator[ReplayZendesk]:
    yield from ReplayZendesk().serve()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox.from_text(new_key())


def make_factory(
    engine: Engine, zendesk: ReplayZendesk, box: SecretBox, token: str = TOKEN
) -> sessionmaker[Session]:
    made = session_factory(engine)
    with made() as session:
        store_id = seed_shop(session)
    with unit_of_work(made) as session:
        service.create_source(
            session=session,
            key="zendesk",
            kind="zendesk",
            name="Acme support",
            store_id=store_id,
            settings={"api_url": zendesk.base_url, "email": EMAIL, "order_field_ids": "360001"},
            secrets={"api_token": token},
            box=box,
            actor=None,
            now=NOW,
        )
    return made


@pytest.fixture
def factory(engine: Engine, zendesk: ReplayZendesk, box: SecretBox) -> sessionmaker[Session]:
    return make_factory(engine, zendesk, box)


def sync(factory: sessionmaker[Session], box: SecretBox, sleep: RecordedSleep | None = None) -> ZendeskSync:
    return ZendeskSync(
        factory=factory,
        key="zendesk",
        box=box,
        clock=FrozenClock(NOW),
        upsert=upsert_batch,
        sleep=sleep or RecordedSleep(),
    )


def source(factory: sessionmaker[Session]) -> Source:
    with factory() as session:
        return session.scalars(select(Source).where(Source.key == "zendesk")).one()


def tickets(factory: sessionmaker[Session]) -> dict[str, Ticket]:
    with factory() as session:
        return {t.external_id: t for t in session.scalars(select(Ticket).where(Ticket.source == "zendesk"))}


def test_a_first_sync_exports_every_page_and_stores_the_cursor(
    factory: sessionmaker[Session], box: SecretBox, zendesk: ReplayZendesk
) -> None:
    report = sync(factory, box).run()
    assert report.pages == 2
    stored = tickets(factory)
    assert sorted(stored) == ["5001", "5002", "5003", "5004"]
    assert zendesk.requests[0]["start_time"] == ["0"]
    assert zendesk.requests[0]["include"] == ["users,metric_sets"]
    # The side-loads arrived: the requester's email linked the order's customer, the metrics gave SLA times.
    with factory() as session:
        order = session.scalars(select(Order).where(Order.number == "#2077")).one()
        agent = session.scalars(select(TeamMember).where(TeamMember.source == "zendesk")).one()
    assert stored["5002"].order_id == order.id  # from custom field 360001, set on the source
    assert stored["5001"].first_response_at == datetime(2026, 11, 28, 14, 49, 11, tzinfo=UTC)
    assert stored["5001"].assignee_id == agent.id
    assert stored["5003"].status == "closed"  # the later page's version
    row = source(factory)
    assert load_cursor(row.cursor) == LAST_CURSOR
    assert row.last_sync_status == "succeeded"
    assert row.last_error is None
    assert row.last_record_at == datetime(2026, 11, 30, 11, 20, tzinfo=UTC)


def test_the_next_sync_resumes_from_the_cursor_and_changes_nothing(
    factory: sessionmaker[Session], box: SecretBox, zendesk: ReplayZendesk
) -> None:
    sync(factory, box).run()
    zendesk.requests.clear()
    report = sync(factory, box).run()
    assert zendesk.requests == [{"include": ["users,metric_sets"], "cursor": [LAST_CURSOR]}]
    assert (report.pages, sum(report.outcomes.values())) == (1, 0)


def test_rate_limits_are_waited_out_as_zendesk_says(
    factory: sessionmaker[Session], box: SecretBox, zendesk: ReplayZendesk
) -> None:
    zendesk.faults.append(Fault(429, {"Retry-After": "7"}, times=2))
    sleep = RecordedSleep()
    sync(factory, box, sleep).run()
    assert sleep.waits == [7.0, 7.0]
    assert len(tickets(factory)) == 4


def test_a_sync_that_fails_midway_keeps_its_pages_and_resumes(
    factory: sessionmaker[Session], box: SecretBox, zendesk: ReplayZendesk
) -> None:
    zendesk.faults.append(Fault(503, times=5, after_pages=1))
    with pytest.raises(SyncFailed, match="HTTP 503"):
        sync(factory, box).run()
    assert sorted(tickets(factory)) == ["5001", "5002", "5003"]  # the first page, committed
    first_after = zendesk.pages[0]["after_cursor"]
    row = source(factory)
    assert (load_cursor(row.cursor), row.last_sync_status) == (first_after, "failed")
    assert "HTTP 503" in (row.last_error or "")
    zendesk.requests.clear()
    sync(factory, box).run()
    assert zendesk.requests[0]["cursor"] == [first_after]
    assert sorted(tickets(factory)) == ["5001", "5002", "5003", "5004"]


def test_wrong_credentials_are_the_sources_last_error_without_the_token(
    engine: Engine, zendesk: ReplayZendesk, box: SecretBox
) -> None:
    factory = make_factory(engine, zendesk, box, token="not-the-token-93f1")
    with pytest.raises(SyncFailed, match="refused the credentials") as caught:
        sync(factory, box).run()
    assert "not-the-token-93f1" not in str(caught.value)
    row = source(factory)
    assert row.last_sync_status == "failed"
    assert "not-the-token-93f1" not in (row.last_error or "")
    assert tickets(factory) == {}
