"""Body limits over real HTTP: a body sent chunked (no Content-Length) is refused once it passes the limit.

Every limited route is hit on a real server on loopback, on both databases: the Shopify and Chatwoot webhook
receivers, the file import API, the Imports page's upload form and the event API. A body one byte over the
limit gets the 413 and stores nothing; a body exactly at the limit, sent the same way, goes through.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, func, select

from hotdash.app import create_app
from hotdash.auth import passwords
from hotdash.auth.models import Role
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store.connectors.chatwoot.signature import sign
from hotdash.store.ingest.api import MAX_INGEST_BYTES
from hotdash.store.models import Customer, ImportRun, Order, Store
from hotdash.store.models.ingest import InboundEvent
from tests.auth.helpers import CHEAP_HASHER, add_token, add_user, bearer, post_login
from tests.store.inbound.conftest import SECRET as SHOPIFY_SECRET
from tests.store.inbound.conftest import run_server, shopify_headers

LIMIT = 64 * 1024  # webhooks and file uploads, in these tests
CHATWOOT_SECRET = "cw-body-limit-secret-7f3a"
OPERATOR = "operator@example.com"
BOUNDARY = "hotdash-body-limit-boundary"


@dataclass
class Server:
    client: httpx.Client
    engine: Engine
    token: str


@pytest.fixture
def server(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """HotDash on a loopback port with 64 KiB webhook and upload limits, one store and an operator."""
    monkeypatch.setattr(passwords, "HASHER", CHEAP_HASHER)
    with unit_of_work(session_factory(engine)) as session:
        session.add(
            Store(
                source="shopify",
                external_id="northwind",
                name="Northwind",
                currency="EUR",
                timezone="UTC",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    add_user(engine, OPERATOR, Role.operator)
    token = add_token(engine, OPERATOR)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        shopify_webhook_secret=SHOPIFY_SECRET,  # type: ignore[arg-type]
        chatwoot_webhook_secret=CHATWOOT_SECRET,  # type: ignore[arg-type]
        inbound_processor=False,
        webhook_max_bytes=LIMIT,
        import_max_bytes=LIMIT,
    )
    url, stop = run_server(create_app(settings))
    with httpx.Client(base_url=url, timeout=30) as client:
        yield Server(client, engine, token)
    stop()


def chunked(body: bytes, size: int = 8192) -> Iterator[bytes]:
    """Yield `body` in pieces: httpx then sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def count(engine: Engine, model: type[InboundEvent | Customer | ImportRun | Order]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def padded_json(base: dict[str, object], size: int) -> bytes:
    """Return `base` as JSON of exactly `size` bytes, padded in an extra text field."""
    empty = json.dumps({**base, "hotdash_padding": ""}).encode()
    body = json.dumps({**base, "hotdash_padding": "x" * (size - len(empty))}).encode()
    assert len(body) == size
    return body


def webhook(source: str, body: bytes) -> tuple[str, dict[str, str]]:
    if source == "shopify":
        return "/webhooks/shopify", shopify_headers(body)
    stamp = str(int(datetime.now(UTC).timestamp()))
    return "/webhooks/chatwoot", {
        "Content-Type": "application/json",
        "X-Chatwoot-Timestamp": stamp,
        "X-Chatwoot-Signature": sign(CHATWOOT_SECRET, stamp, body),
        "X-Chatwoot-Delivery": str(uuid.uuid4()),
    }


WEBHOOK_BASE: dict[str, dict[str, object]] = {
    "shopify": {"id": 820982911946154508, "name": "#1001", "updated_at": "2026-11-30T10:00:00-05:00"},
    "chatwoot": {"event": "conversation_created", "id": 7, "account": {"id": 3, "name": "Northwind"}},
}


@pytest.mark.parametrize("source", ["shopify", "chatwoot"])
def test_a_chunked_webhook_past_the_limit_is_a_413_and_one_at_the_limit_is_stored(
    server: Server, source: str
) -> None:
    over = padded_json(WEBHOOK_BASE[source], LIMIT + 1)
    path, headers = webhook(source, over)
    refused = server.client.post(path, content=chunked(over), headers=headers)

    assert refused.status_code == 413
    assert refused.json()["error"] == {
        "code": "payload_too_large",
        "message": f"The webhook body is larger than the {LIMIT} bytes HotDash accepts "
        "(HOTDASH_WEBHOOK_MAX_BYTES).",
        "details": {"limit_bytes": LIMIT},
    }
    assert count(server.engine, InboundEvent) == 0

    at_limit = padded_json(WEBHOOK_BASE[source], LIMIT)
    path, headers = webhook(source, at_limit)
    stored = server.client.post(path, content=chunked(at_limit), headers=headers)

    assert stored.status_code == 200, stored.text
    assert stored.json()["status"] == "stored"
    # The signature was checked on these exact bytes, and they are what was stored.
    with session_factory(server.engine)() as session:
        assert session.scalars(select(InboundEvent.payload)).one() == at_limit.decode()


def upload(size: int, fields: dict[str, str]) -> tuple[bytes, int]:
    """Return a multipart body of exactly `size` bytes carrying a customers CSV, and its number of rows."""
    head = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    tail = f"\r\n--{BOUNDARY}--\r\n"
    room = size - len(head) - len(tail)
    csv = "external_id,email,name,created_at,updated_at\n"
    rows = 0
    while True:
        row = f"C{rows},c{rows}@example.com,Customer {rows},2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\n"
        if len(csv) + len(row) > room:
            break
        csv += row
        rows += 1
    # Blank lines at the end fill the rest: the import skips them.
    body = (head + csv + "\n" * (room - len(csv)) + tail).encode()
    assert len(body) == size
    return body, rows


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
UPLOAD_TOO_LARGE = (
    "The upload is larger than 65,536 bytes (HOTDASH_IMPORT_MAX_BYTES). Split the file into smaller ones "
    "and import each."
)


def test_a_chunked_file_upload_past_the_limit_is_a_413_and_one_at_the_limit_is_imported(
    server: Server,
) -> None:
    token = bearer(server.token)
    over, _ = upload(LIMIT + 1, {"source": "crm"})
    refused = server.client.post(
        "/api/v1/imports/customers", content=chunked(over), headers={**token, **MULTIPART}
    )
    # Announced too large: refused before a byte of it is read.
    announced = server.client.post("/api/v1/imports/customers", content=over, headers={**token, **MULTIPART})

    for response in (refused, announced):
        assert response.status_code == 413
        assert response.json()["error"] == {
            "code": "payload_too_large",
            "message": UPLOAD_TOO_LARGE,
            "details": {"limit_bytes": LIMIT},
        }
    assert (count(server.engine, ImportRun), count(server.engine, Customer)) == (0, 0)

    at_limit, rows = upload(LIMIT, {"source": "crm"})
    imported = server.client.post(
        "/api/v1/imports/customers", content=chunked(at_limit), headers={**token, **MULTIPART}
    )

    assert imported.status_code == 200, imported.text
    assert (imported.json()["inserted"], imported.json()["rejected"]) == (rows, 0)
    assert count(server.engine, Customer) == rows


def test_the_upload_form_past_the_limit_shows_a_413_page_and_imports_nothing(server: Server) -> None:
    assert post_login(server.client, OPERATOR).status_code == 303  # type: ignore[arg-type]
    form = server.client.get("/imports")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match is not None
    fields = {"csrf_token": match.group(1), "entity": "customers", "source": "crm"}

    over, _ = upload(LIMIT + 1, fields)
    refused = server.client.post("/imports", content=chunked(over), headers=MULTIPART)

    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert UPLOAD_TOO_LARGE in refused.text
    assert (count(server.engine, ImportRun), count(server.engine, Customer)) == (0, 0)

    at_limit, rows = upload(LIMIT, fields)
    imported = server.client.post("/imports", content=chunked(at_limit), headers=MULTIPART)

    assert imported.status_code == 200, imported.text
    assert f"{rows} inserted" in imported.text
    assert count(server.engine, Customer) == rows


ORDER = {
    "external_id": "W1",
    "number": "#1",
    "channel": "web",
    "currency": "EUR",
    "subtotal": "10.00",
    "total": "12.50",
    "financial_status": "paid",
    "fulfillment_status": "unfulfilled",
    "placed_at": "2026-11-30T10:00:00Z",
    "updated_at": "2026-11-30T10:00:00Z",
}


def envelope(size: int) -> bytes:
    """Return an event API envelope with one order, padded with JSON whitespace to exactly `size` bytes."""
    text = json.dumps({"source": "webshop", "records": [ORDER]})
    body = (text[:-1] + " " * (size - len(text)) + "}").encode()
    assert len(body) == size
    return body


def test_a_chunked_event_api_body_past_the_limit_is_a_413_and_one_at_the_limit_is_stored(
    server: Server,
) -> None:
    headers = {**bearer(server.token), "Content-Type": "application/json"}
    refused = server.client.post(
        "/api/v1/ingest/orders", content=chunked(envelope(MAX_INGEST_BYTES + 1), 65536), headers=headers
    )

    assert refused.status_code == 413
    assert refused.json()["error"] == {
        "code": "payload_too_large",
        "message": "The body is larger than 5 MB. Send fewer records per request, or import a file.",
        "details": {"limit_bytes": MAX_INGEST_BYTES},
    }
    assert count(server.engine, Order) == 0

    stored = server.client.post(
        "/api/v1/ingest/orders", content=chunked(envelope(MAX_INGEST_BYTES), 65536), headers=headers
    )

    assert stored.status_code == 200, stored.text
    assert stored.json()["counts"]["inserted"] == 1
    assert count(server.engine, Order) == 1
