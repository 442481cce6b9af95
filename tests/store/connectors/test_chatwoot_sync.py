"""`hotdash sync chatwoot`: a local Chatwoot on loopback serving the conversations list, both databases.

The local server speaks the list API as Chatwoot documents it: `GET /api/v1/accounts/{id}/conversations` with
`status`, `assignee_type` and `page`, the `api_access_token` header (401 otherwise), pages of
`data.payload[]` until an empty one. Its pages are the written fixture
(fixtures/chatwoot/conversations_page.json) and one more conversation.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.store.connectors.agents import complete_agents
from hotdash.store.connectors.chatwoot.mapper import map_webhook
from hotdash.store.connectors.chatwoot.sync import ChatwootSync, SyncFailed
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Ticket
from hotdash.store.models.ingest import Source
from hotdash.store.sources import service
from hotdash.store.sources.crypto import SecretBox, new_key
from tests.store.connectors.helpers import load, seed_shop

TOKEN = "cw-api-token-1f0e"
NOW = datetime(2025, 12, 2, 9, 0, tzinfo=UTC)


def pages() -> list[dict[str, Any]]:
    first = load("chatwoot", "conversations_page.json")
    extra = json.loads(json.dumps(first["data"]["payload"][1]))
    extra |= {
        "id": 414,
        "status": "open",
        "labels": ["damaged"],
        "created_at": 1764600000,
        "timestamp": 1764600000,
    }
    return [first, {"data": {"meta": first["data"]["meta"], "payload": [extra]}}]


class LocalChatwoot:
    def __init__(self) -> None:
        self.pages = pages()
        self.requests: list[dict[str, list[str]]] = []
        self.url = ""

    def serve(self) -> Iterator[LocalChatwoot]:
        local = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                local.requests.append(query)
                if self.headers.get("api_access_token") != TOKEN:
                    status, body = 401, {"errors": ["You need to sign in or sign up before continuing."]}
                elif parts.path != "/api/v1/accounts/3/conversations":
                    status, body = 404, {"error": "not found"}
                else:
                    number = int(query.get("page", ["1"])[0])
                    empty = {"data": {"meta": self_meta(), "payload": []}}
                    status, body = 200, local.pages[number - 1] if number <= len(local.pages) else empty
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        def self_meta() -> dict[str, int]:
            return dict(local.pages[0]["data"]["meta"])

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def chatwoot() -> Iterator[LocalChatwoot]:
    yield from LocalChatwoot().serve()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox.from_text(new_key())


def make(
    engine: Engine, chatwoot: LocalChatwoot, box: SecretBox, token: str = TOKEN
) -> tuple[sessionmaker[Session], int]:
    factory = session_factory(engine)
    with factory() as session:
        store_id = seed_shop(session)
    with unit_of_work(factory) as session:
        service.create_source(
            session=session, key="chatwoot", kind="chatwoot", name="Chat", store_id=store_id,
            settings={"api_url": chatwoot.url, "account_id": "3"}, secrets={"api_access_token": token},
            box=box, actor=None, now=NOW,
        )  # fmt: skip
    return factory, store_id


def run(factory: sessionmaker[Session], box: SecretBox) -> ChatwootSync:
    sync = ChatwootSync(factory=factory, key="chatwoot", box=box, clock=FrozenClock(NOW), upsert=upsert_batch)
    sync.run()
    return sync


def tickets(factory: sessionmaker[Session]) -> dict[str, Ticket]:
    with factory() as session:
        return {t.external_id: t for t in session.scalars(select(Ticket).where(Ticket.source == "chatwoot"))}


def test_every_page_of_every_status_is_read(engine: Engine, chatwoot: LocalChatwoot, box: SecretBox) -> None:
    factory, _ = make(engine, chatwoot, box)
    first = run(factory, box)
    assert first.report.pages == 2
    assert [q["page"] for q in chatwoot.requests] == [["1"], ["2"], ["3"]]
    assert {q["status"][0] for q in chatwoot.requests} == {"all"}
    stored = tickets(factory)
    assert sorted(stored) == ["412", "413", "414"]
    assert (stored["414"].category, stored["413"].status) == ("damaged", "on_hold")
    # Read again: nothing changed.
    assert dict(run(factory, box).report.outcomes) == {"unchanged": 4}  # 3 tickets and the agent


def test_a_webhooks_exact_resolution_is_kept_over_the_lists_estimate(
    engine: Engine, chatwoot: LocalChatwoot, box: SecretBox
) -> None:
    factory, store_id = make(engine, chatwoot, box)
    with unit_of_work(factory) as session:
        batch = map_webhook(load("chatwoot", "conversation_status_changed.json"))
        batch = complete_agents(session, store_id=store_id, source="chatwoot", batch=batch, now=NOW)
        assert upsert_batch(session=session, store_id=store_id, source="chatwoot", batch=batch).rejected == []
    # The list says the same conversation, resolved, with a later activity time than the webhook's update.
    chatwoot.pages[0]["data"]["payload"][0]["timestamp"] = 1764590000
    chatwoot.pages[0]["data"]["payload"][0]["last_activity_at"] = 1764590000
    run(factory, box)
    assert tickets(factory)["412"].resolved_at == datetime.fromtimestamp(1764586800.75, UTC)


def test_a_refused_token_is_the_sources_last_error(
    engine: Engine, chatwoot: LocalChatwoot, box: SecretBox
) -> None:
    factory, _ = make(engine, chatwoot, box, token="wrong-token-77")
    with pytest.raises(SyncFailed, match="refused the api_access_token"):
        run(factory, box)
    with factory() as session:
        row = session.scalars(select(Source)).one()
    assert row.last_sync_status == "failed"
    assert "wrong-token-77" not in (row.last_error or "")
    assert tickets(factory) == {}
