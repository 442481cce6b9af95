"""POST /webhooks/shopify over real HTTP: what is refused stores nothing, what is accepted is stored once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from hotdash.app import create_app
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store.models.ingest import InboundEvent
from hotdash.store.sources import service
from hotdash.store.sources.crypto import SecretBox, new_key
from hotdash.store.sources.lookup import cached
from tests.store.inbound.conftest import SECRET, SHOP, LiveServer, run_server, shopify_headers

ORDER = json.dumps({"id": 450789469, "name": "#1001", "updated_at": "2026-11-30T10:00:00Z"}).encode()


def stored(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(InboundEvent)) or 0)


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def test_a_signed_delivery_is_stored_before_it_is_acknowledged(
    live_server: LiveServer, engine: Engine
) -> None:
    response = live_server.send(ORDER, webhook_id="wh-1", topic="orders/create")
    assert response.status_code == 200
    assert response.json() == {"status": "stored", "delivery_id": "wh-1"}
    with engine.connect() as connection:
        row = connection.execute(select(InboundEvent.__table__)).one()
    assert (row.source, row.delivery_id, row.topic, row.shop) == (
        "shopify",
        "wh-1",
        "orders/create",
        "hotdash-test.myshopify.com",
    )
    assert row.payload == ORDER.decode()
    assert row.status == "pending"


def test_the_same_delivery_three_times_is_stored_once(live_server: LiveServer, engine: Engine) -> None:
    answers = [live_server.send(ORDER, webhook_id="wh-again").json()["status"] for _ in range(3)]
    assert answers == ["stored", "duplicate", "duplicate"]
    assert stored(engine) == 1


def test_unsigned_and_forged_deliveries_get_401_and_store_nothing(
    live_server: LiveServer, engine: Engine
) -> None:
    headers = shopify_headers(ORDER)
    del headers["X-Shopify-Hmac-Sha256"]
    unsigned = live_server.client.post("/webhooks/shopify", content=ORDER, headers=headers)
    assert unsigned.status_code == 401
    assert error_of(unsigned)["code"] == "unsigned"

    forged = live_server.send(ORDER, secret="someone-elses-secret")
    assert forged.status_code == 401
    assert error_of(forged)["code"] == "bad_signature"

    # A body changed after signing: the signature is of the original bytes.
    headers = shopify_headers(ORDER)
    tampered = live_server.client.post(
        "/webhooks/shopify", content=ORDER.replace(b"1001", b"9999"), headers=headers
    )
    assert tampered.status_code == 401
    assert stored(engine) == 0
    # Neither the secret nor the signature is echoed back.
    for response in (unsigned, forged, tampered):
        assert SECRET not in response.text
        assert headers["X-Shopify-Hmac-Sha256"] not in response.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (ORDER[:-7], "invalid_json"),
        (b"", "invalid_json"),
        (b"[1, 2, 3]", "not_an_object"),
        (b'"just a string"', "not_an_object"),
        (b"\xff\xfe{}", "invalid_encoding"),
    ],
    ids=["truncated", "empty", "array", "string", "not-utf8"],
)
def test_signed_but_broken_bodies_get_400_and_store_nothing(
    live_server: LiveServer, engine: Engine, body: bytes, code: str
) -> None:
    response = live_server.send(body)
    assert response.status_code == 400
    assert error_of(response)["code"] == code
    assert stored(engine) == 0


HOSTILE = {
    "nested-5000-deep": (
        b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "nested_too_deep",
        "The webhook body is nested too deeply to be a real payload.",
    ),
    "5000-digit-integer": (
        b'{"id": ' + b"9" * 5000 + b"}",
        "number_too_long",
        "The webhook body has a number of more than 40 digits.",
    ),
    "huge-exponent": (
        b'{"total_price": 1e999999}',
        "number_out_of_range",
        "The webhook body has a number too large to represent (1e999999).",
    ),
    "nan": (
        b'{"total_price": NaN}',
        "not_a_number",
        "The webhook body has NaN, which is not a JSON number: send a figure, or null.",
    ),
    "minus-infinity": (
        b'{"total_price": -Infinity}',
        "not_a_number",
        "The webhook body has -Infinity, which is not a JSON number: send a figure, or null.",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_signed_hostile_json_gets_400_saying_why_and_stores_nothing(
    live_server: LiveServer, engine: Engine, case: str
) -> None:
    body, code, message = HOSTILE[case]
    response = live_server.send(body)

    assert response.status_code == 400
    assert error_of(response)["code"] == code
    assert error_of(response)["message"] == message
    assert stored(engine) == 0
    # The server is still there for the next, honest delivery.
    assert live_server.send(ORDER).status_code == 200
    assert stored(engine) == 1


def test_the_longest_real_numbers_still_pass(live_server: LiveServer, engine: Engine) -> None:
    body = json.dumps({"id": 2**63 - 1, "total_price": 12345678901234.99, "rate": -1.5e-7}).encode()
    assert live_server.send(body).status_code == 200
    assert stored(engine) == 1


def test_missing_topic_or_webhook_id_is_a_400(live_server: LiveServer, engine: Engine) -> None:
    headers = shopify_headers(ORDER)
    del headers["X-Shopify-Webhook-Id"]
    response = live_server.client.post("/webhooks/shopify", content=ORDER, headers=headers)
    assert response.status_code == 400
    assert error_of(response)["details"] == {"missing": ["X-Shopify-Webhook-Id"]}
    assert stored(engine) == 0


def test_a_huge_payload_gets_413_and_stores_nothing(live_server: LiveServer, engine: Engine) -> None:
    huge = json.dumps({"id": 1, "note": "x" * (70 * 1024)}).encode()
    response = live_server.send(huge)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"

    # Without a Content-Length (chunked), the limit still holds while reading.
    def chunks() -> object:
        for start in range(0, len(huge), 8192):
            yield huge[start : start + 8192]

    chunked = live_server.client.post("/webhooks/shopify", content=chunks(), headers=shopify_headers(huge))
    assert chunked.status_code == 413
    assert stored(engine) == 0


def test_get_is_not_a_webhook(live_server: LiveServer) -> None:
    response = live_server.client.get("/webhooks/shopify")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_shop_secret_saved_on_its_source_signs_its_deliveries(engine: Engine) -> None:
    # No HOTDASH_SHOPIFY_WEBHOOK_SECRET: the secret lives, encrypted, on the shop's configured source.
    key = new_key()
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=SecretStr(key),
        inbound_processor=False,
    )
    with unit_of_work(session_factory(engine)) as session:
        service.create_source(
            session=session,
            key="shop-test",
            kind="shopify",
            name="Test shop",
            store_id=None,
            settings={"shop": SHOP},
            secrets={"webhook_secret": "whsec-on-source"},
            box=SecretBox.from_text(key, "test"),
            actor=None,
            now=datetime.now(UTC),
        )
    url, stop = run_server(create_app(settings))
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            signed = client.post(
                "/webhooks/shopify", content=ORDER, headers=shopify_headers(ORDER, secret="whsec-on-source")
            )
            other = client.post("/webhooks/shopify", content=ORDER, headers=shopify_headers(ORDER))
    finally:
        stop()
    assert signed.status_code == 200
    assert other.status_code == 401
    assert stored(engine) == 1


def test_a_looked_up_secret_is_remembered_for_its_seconds_only() -> None:
    answers = iter([b"first", b"second"])
    calls: list[str | None] = []
    moment = [0.0]

    def lookup(shop: str | None) -> bytes | None:
        calls.append(shop)
        return next(answers)

    remembered = cached(lookup, seconds=30, monotonic=lambda: moment[0])
    assert remembered("a.myshopify.com") == b"first"
    moment[0] = 29.9
    assert remembered("a.myshopify.com") == b"first"
    moment[0] = 30.0
    assert remembered("a.myshopify.com") == b"second"
    assert calls == ["a.myshopify.com", "a.myshopify.com"]
