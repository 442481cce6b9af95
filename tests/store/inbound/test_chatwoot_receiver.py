"""POST /webhooks/chatwoot over real HTTP: signed deliveries are stored once, anything else stores nothing.

Bodies are the Chatwoot payloads of tests/store/connectors/fixtures/chatwoot (written from Chatwoot's
published formats), signed the way Chatwoot signs: HMAC-SHA256 of "{timestamp}.{body}".
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select

from hotdash.app import create_app
from hotdash.db.session import session_factory
from hotdash.kernel.http.services import services_of
from hotdash.settings import Settings
from hotdash.store.connectors.chatwoot.signature import sign
from hotdash.store.inbound.runtime import InboundRuntime
from hotdash.store.models import Order, TeamMember, Ticket
from hotdash.store.models.ingest import InboundEvent
from tests.store.connectors.helpers import FIXTURES, seed_shop
from tests.store.inbound.conftest import run_server

SECRET = "cw-webhook-secret-5b2e"
CREATED = (FIXTURES / "chatwoot" / "conversation_created.json").read_bytes()


def chatwoot_headers(
    body: bytes, *, delivery: str | None = None, secret: str = SECRET, sent: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if sent is None else sent)
    return {
        "Content-Type": "application/json",
        "X-Chatwoot-Timestamp": stamp,
        "X-Chatwoot-Signature": sign(secret, stamp, body),
        "X-Chatwoot-Delivery": delivery or str(uuid.uuid4()),
    }


@dataclass
class Chatwoot:
    client: httpx.Client
    app: FastAPI

    def send(self, body: bytes, **kwargs: object) -> httpx.Response:
        return self.client.post("/webhooks/chatwoot", content=body, headers=chatwoot_headers(body, **kwargs))  # type: ignore[arg-type]


@pytest.fixture
def chatwoot(engine: Engine) -> Iterator[Chatwoot]:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        chatwoot_webhook_secret=SECRET,  # type: ignore[arg-type]
        inbound_processor=False,
    )
    app = create_app(settings)
    url, stop = run_server(app)
    with httpx.Client(base_url=url, timeout=10) as client:
        yield Chatwoot(client, app)
    stop()


def rows(engine: Engine) -> list[InboundEvent]:
    with engine.connect() as connection:
        return list(connection.execute(select(InboundEvent.__table__)).all())  # type: ignore[arg-type]


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(InboundEvent)) or 0)


def test_a_signed_delivery_is_stored_with_its_event_and_account(chatwoot: Chatwoot, engine: Engine) -> None:
    response = chatwoot.send(CREATED, delivery="d-1")
    assert response.status_code == 200
    assert response.json() == {"status": "stored", "delivery_id": "d-1"}
    (row,) = rows(engine)
    assert (row.source, row.delivery_id, row.topic, row.shop, row.status) == (
        "chatwoot", "d-1", "conversation_created", "3", "pending",
    )  # fmt: skip
    assert row.payload == CREATED.decode()


def test_a_retried_delivery_is_stored_once(chatwoot: Chatwoot, engine: Engine) -> None:
    answers = [chatwoot.send(CREATED, delivery="d-again").json()["status"] for _ in range(3)]
    assert answers == ["stored", "duplicate", "duplicate"]
    assert count(engine) == 1


@pytest.mark.parametrize(
    "how", ["unsigned", "wrong secret", "tampered", "stale", "future"], ids=lambda h: h.replace(" ", "-")
)
def test_unsigned_forged_or_stale_deliveries_get_401(chatwoot: Chatwoot, engine: Engine, how: str) -> None:
    headers = chatwoot_headers(CREATED, secret="not-the-secret" if how == "wrong secret" else SECRET)
    body = CREATED
    if how == "unsigned":
        del headers["X-Chatwoot-Signature"]
    elif how == "tampered":
        body = CREATED.replace(b"#1042", b"#9999")
    elif how in ("stale", "future"):
        sent = int(time.time()) + (-3600 if how == "stale" else 3600)
        headers = chatwoot_headers(CREATED, sent=sent)
    response = chatwoot.client.post("/webhooks/chatwoot", content=body, headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "bad_signature"
    assert SECRET not in response.text
    assert count(engine) == 0


def test_a_signed_delivery_without_its_delivery_id_gets_400(chatwoot: Chatwoot, engine: Engine) -> None:
    headers = chatwoot_headers(CREATED)
    del headers["X-Chatwoot-Delivery"]
    response = chatwoot.client.post("/webhooks/chatwoot", content=CREATED, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"missing": ["X-Chatwoot-Delivery"]}
    assert count(engine) == 0


def test_a_signed_but_truncated_body_gets_400(chatwoot: Chatwoot, engine: Engine) -> None:
    response = chatwoot.send(CREATED[:-10])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert count(engine) == 0


CONVERSATION = [
    "conversation_created.json",
    "message_created_outgoing.json",
    "message_created_incoming_threat.json",
    "conversation_status_changed.json",
    "conversation_updated_labels.json",
    "message_updated_csat.json",
]


def test_a_conversation_told_by_its_webhooks_becomes_one_ticket(chatwoot: Chatwoot, engine: Engine) -> None:
    with session_factory(engine)() as session:
        seed_shop(session)
    for number, name in enumerate(CONVERSATION):
        response = chatwoot.send((FIXTURES / "chatwoot" / name).read_bytes(), delivery=f"conv-412-{number}")
        assert response.status_code == 200
    drained = services_of(chatwoot.app).get(InboundRuntime).processor.drain()
    assert (drained.processed, drained.failed) == (6, 0)
    with session_factory(engine)() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.source == "chatwoot")).one()
        order = session.scalars(select(Order).where(Order.number == "#1042")).one()
        agent = session.scalars(select(TeamMember).where(TeamMember.source == "chatwoot")).one()
        assert ticket.external_id == "412"
        assert (ticket.status, ticket.priority, ticket.channel) == ("solved", "high", "chat")
        assert (ticket.order_id, ticket.customer_id) == (order.id, order.customer_id)
        assert (ticket.assignee_id, agent.external_id, agent.name) == (agent.id, "21", "Sam Agent")
        assert ticket.category == "wismo"
        assert ticket.tags == "where_is_my_order,vip,followed_up"
        assert ticket.first_response_at == datetime(2025, 12, 1, 8, 52, 30, tzinfo=UTC)
        assert ticket.resolved_at == datetime.fromtimestamp(1764586800.75, UTC)
        assert ticket.csat == 4
        # The BBB message raised the flag; the events after it, which did not repeat it, left it raised.
        assert (ticket.regulatory_threat, ticket.legal_threat, ticket.is_escalated) == (True, False, True)


def test_a_later_agent_reply_does_not_move_the_first_response(chatwoot: Chatwoot, engine: Engine) -> None:
    with session_factory(engine)() as session:
        seed_shop(session)
    first = json.loads((FIXTURES / "chatwoot" / "message_created_outgoing.json").read_bytes())
    # An older Chatwoot without first_reply_created_at: each reply carries only its own time.
    del first["conversation"]["first_reply_created_at"]
    later = json.loads(json.dumps(first))
    later["id"], later["created_at"] = 9200, "2025-12-01T10:00:00.000Z"
    later["conversation"]["updated_at"] = 1764583200.0
    for number, body in enumerate((first, later)):
        assert chatwoot.send(json.dumps(body).encode(), delivery=f"reply-{number}").status_code == 200
        services_of(chatwoot.app).get(InboundRuntime).processor.drain()
    with session_factory(engine)() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.source == "chatwoot")).one()
        assert ticket.first_response_at == datetime(2025, 12, 1, 8, 52, 30, tzinfo=UTC)
        assert ticket.updated_at == datetime.fromtimestamp(1764583200.0, UTC)


def test_an_event_hotdash_does_not_map_is_kept_and_ignored(chatwoot: Chatwoot, engine: Engine) -> None:
    body = json.dumps({"event": "contact_created", "id": 5, "account": {"id": 3}}).encode()
    assert chatwoot.send(body, delivery="contact-5").status_code == 200
    assert services_of(chatwoot.app).get(InboundRuntime).processor.drain().ignored == 1
    (row,) = rows(engine)
    assert (row.status, row.topic) == ("ignored", "contact_created")
