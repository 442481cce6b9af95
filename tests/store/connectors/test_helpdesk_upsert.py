"""Zendesk pages through upsert_batch into SQLite and PostgreSQL: what the CX tile will read is stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.store.connectors.agents import complete_agents
from hotdash.store.connectors.zendesk.mapper import ZendeskOptions, map_tickets_page
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Customer, Order, TeamMember, Ticket
from tests.store.connectors.helpers import load, seed_shop, shared

NOW = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def shop(engine: Engine) -> Iterator[tuple[Session, int]]:
    with session_factory(engine)() as session:
        yield session, seed_shop(session)


def push(
    session: Session, store_id: int, page: dict[str, object], **options: object
) -> dict[str, dict[str, int]]:
    batch = map_tickets_page(page, ZendeskOptions(**options))  # type: ignore[arg-type]
    batch = complete_agents(session, store_id=store_id, source="zendesk", batch=batch, now=NOW)
    result = upsert_batch(session=session, store_id=store_id, source="zendesk", batch=batch)
    session.commit()
    return {entity: {k: v for k, v in counts.items() if v} for entity, counts in result.counts.items()}


def ticket(session: Session, external_id: str) -> Ticket:
    return session.scalars(
        select(Ticket).where(Ticket.source == "zendesk", Ticket.external_id == external_id)
    ).one()


def test_the_recorded_page_is_stored_whole(shop: tuple[Session, int]) -> None:
    session, store_id = shop
    assert push(session, store_id, shared("zendesk", "tickets_page.json")) == {"tickets": {"inserted": 100}}
    sample = ticket(session, "1")
    assert (sample.subject, sample.status, sample.priority, sample.tags) == (
        "Sample ticket: Meet the ticket", "open", "normal", "sample,support,zendesk",
    )  # fmt: skip
    # Its assignee is not a team member HotDash knows (users were not side-loaded): unlinked, not refused.
    assert sample.assignee_id is None
    assert sample.created_at == at("2023-09-09T23:52:05")
    # The same page again changes nothing.
    assert push(session, store_id, shared("zendesk", "tickets_page.json")) == {"tickets": {"unchanged": 100}}


def test_export_pages_store_sla_times_flags_and_links(shop: tuple[Session, int]) -> None:
    session, store_id = shop
    counts = push(
        session,
        store_id,
        load("zendesk", "incremental_cursor_page.json"),
        order_field_ids=frozenset({360001}),
    )
    assert counts == {"team_members": {"inserted": 1}, "tickets": {"inserted": 3}}
    wismo, refund = ticket(session, "5001"), ticket(session, "5002")
    order_1042 = session.scalars(select(Order).where(Order.number == "#1042")).one()
    dana = session.scalars(select(Customer).where(Customer.email == "dana.wells@example.com")).one()
    assert (wismo.order_id, wismo.customer_id) == (order_1042.id, dana.id)
    assert (wismo.first_response_at, wismo.resolved_at) == (
        at("2026-11-28T14:49:11"),
        at("2026-11-29T09:35:00"),
    )
    assert (wismo.category, wismo.csat, wismo.status) == ("wismo", 5, "solved")
    sam = session.scalars(select(TeamMember).where(TeamMember.external_id == "7001")).one()
    assert (wismo.assignee_id, sam.name, sam.role, sam.timezone) == (
        sam.id,
        "Sam Agent",
        "support",
        "America/New_York",
    )
    order_2077 = session.scalars(select(Order).where(Order.number == "#2077")).one()
    assert refund.order_id == order_2077.id
    assert refund.customer_id == order_2077.customer_id
    assert (refund.legal_threat, refund.regulatory_threat, refund.is_escalated) == (True, True, True)
    assert (refund.priority, refund.category, refund.csat) == ("urgent", "billing", None)


def test_a_later_export_updates_and_an_older_one_is_stale(shop: tuple[Session, int]) -> None:
    session, store_id = shop
    push(session, store_id, load("zendesk", "incremental_cursor_page.json"))
    hours = session.scalars(select(TeamMember)).one()
    hours.work_start = hours.work_start.replace(hour=7)  # a manager changed the agent's hours
    session.commit()
    counts = push(session, store_id, load("zendesk", "incremental_time_page.json"))
    assert counts == {"tickets": {"updated": 1, "inserted": 1}}
    damaged = ticket(session, "5003")
    assert (damaged.status, damaged.resolved_at) == ("closed", at("2026-11-30T10:05:00"))
    # The first response came from the earlier page's metrics; this page had none and kept it.
    assert damaged.first_response_at == at("2026-11-29T16:12:00")
    assert ticket(session, "5004").status == "closed"
    # Replaying the older page: 5003's older version is refused, the others are as stored.
    again = push(session, store_id, load("zendesk", "incremental_cursor_page.json"))
    assert again["tickets"] == {"stale": 1, "unchanged": 2}
    assert ticket(session, "5003").status == "closed"
    # The agent's hours stay as the manager set them.
    assert session.scalars(select(TeamMember.work_start)).one().hour == 7
    assert session.scalar(select(func.count()).select_from(TeamMember)) == 1
