"""POST /webhooks/chatwoot over real HTTP: signed deliveries are stored once, anything else stores nothing.

Bodies are the Chatwoot payloads of tests/store/connectors/fixtures/chatwoot (written from Chatwoot's
published formats), signed the way Chatwoot signs: HMAC-SHA256 of "{timestamp}.{body}".
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine, func, select

from hotdash.app import create_app
from hotdash.settings import Settings
from hotdash.store.connectors.chatwoot.signature import sign
from hotdash.store.models.ingest import InboundEvent
from tests.store.connectors.helpers import FIXTURES
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

    def send(self, body: bytes, **kwargs: object) -> httpx.Response:
        return self.client.post("/webhooks/chatwoot", content=body, headers=chatwoot_headers(body, **kwargs))  # type: ignore[arg-type]


@pytest.fixture
def chatwoot(engine: Engine) -> Iterator[Chatwoot]:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        chatwoot_webhook_secret=SECRET,  # type: ignore[arg-type]
        inbound_processor=False,
    )
    url, stop = run_server(create_app(settings))
    with httpx.Client(base_url=url, timeout=10) as client:
        yield Chatwoot(client)
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
