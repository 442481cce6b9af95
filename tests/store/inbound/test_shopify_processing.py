"""Stored Shopify deliveries mapped into the model: once each, in order, failures kept with their reasons."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotdash.app import create_app
from hotdash.clock import FrozenClock
from hotdash.settings import Settings
from hotdash.store.connectors import webhook_registry
from hotdash.store.inbound.processor import InboundProcessor
from hotdash.store.models import Order, Refund, Shipment, Store
from hotdash.store.models.ingest import InboundEvent
from tests.store.inbound.conftest import SECRET, SHOP, LiveServer, run_server, shopify_headers

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FIXTURES = Path("/work/shared/fixtures/shopify")


def add_store(engine: Engine, domain: str = SHOP) -> None:
    with Session(engine) as session:
        session.add(
            Store(
                source="shopify",
                external_id=domain,
                name=domain,
                domain=domain,
                currency="EUR",
                timezone="Europe/Berlin",
                created_at=NOW,
            )
        )
        session.commit()


def order(total: str, updated_at: str, **extra: Any) -> bytes:
    body = {
        "id": 820982911946154508,
        "name": "#9999",
        "currency": "EUR",
        "financial_status": "paid",
        "subtotal_price": total,
        "total_price": total,
        "processed_at": "2026-11-30T09:00:00Z",
        "updated_at": updated_at,
        "line_items": [],
        **extra,
    }
    return json.dumps(body).encode()


def drain(engine: Engine) -> Any:
    processor = InboundProcessor(engine, webhook_registry(Settings()), FrozenClock(NOW))
    return processor.drain()


def events(engine: Engine) -> dict[str, InboundEvent]:
    with Session(engine) as session:
        return {e.delivery_id: e for e in session.scalars(select(InboundEvent))}


def orders(engine: Engine) -> list[Order]:
    with Session(engine) as session:
        return list(session.scalars(select(Order)))


def test_three_deliveries_of_one_webhook_are_stored_once_and_mapped_once(
    live_server: LiveServer, engine: Engine
) -> None:
    add_store(engine)
    body = order("40.00", "2026-11-30T10:00:00Z")
    assert [
        live_server.send(body, webhook_id="w-1", topic="orders/create").status_code for _ in range(3)
    ] == [200] * 3
    result = drain(engine)
    assert (result.processed, result.failed) == (1, 0)
    assert drain(engine).total == 0  # nothing left to map
    (only,) = orders(engine)
    assert (only.external_id, only.total, only.store_id) == ("820982911946154508", Decimal("40.00"), 1)
    assert (events(engine)["w-1"].status, events(engine)["w-1"].attempts) == ("processed", 1)


def test_an_older_update_arriving_after_a_newer_one_does_not_overwrite_it(
    live_server: LiveServer, engine: Engine
) -> None:
    add_store(engine)
    live_server.send(order("55.00", "2026-11-30T12:00:00Z", tags="vip"), webhook_id="v2")
    live_server.send(order("40.00", "2026-11-30T10:00:00Z"), webhook_id="v1")
    assert drain(engine).processed == 2
    (only,) = orders(engine)
    assert (only.total, only.tags) == (Decimal("55.00"), "vip")
    assert only.updated_at == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_wrong_types_fail_visibly_and_write_nothing(live_server: LiveServer, engine: Engine) -> None:
    add_store(engine)
    live_server.send(json.dumps({"id": {"not": "an id"}, "name": "#1"}).encode(), webhook_id="bad-id")
    live_server.send(
        json.dumps({"id": 77, "processed_at": "last tuesday", "total_price": "a lot"}).encode(),
        webhook_id="bad-fields",
    )
    result = drain(engine)
    assert (result.processed, result.failed) == (0, 2)
    found = events(engine)
    assert found["bad-id"].status == "failed"
    assert found["bad-id"].error == "PayloadError: the order has no usable `id` (got {'not': 'an id'})"
    assert found["bad-fields"].status == "failed"
    assert "orders 77" in (found["bad-fields"].error or "")
    assert "placed_at required for a new record" in (found["bad-fields"].error or "")
    assert orders(engine) == []


def test_an_unknown_topic_is_kept_as_received_and_marked_ignored(
    live_server: LiveServer, engine: Engine
) -> None:
    add_store(engine)
    response = live_server.send(b'{"id": 5, "token": "abc"}', webhook_id="cart-1", topic="carts/update")
    assert response.json()["status"] == "stored"
    assert drain(engine).ignored == 1
    event = events(engine)["cart-1"]
    assert event.status == "ignored"
    assert event.payload == '{"id": 5, "token": "abc"}'
    assert "not mapped" in (event.error or "")


def test_a_shop_without_a_store_fails_until_one_is_set_up(live_server: LiveServer, engine: Engine) -> None:
    add_store(engine, "one.myshopify.com")
    add_store(engine, "two.myshopify.com")
    live_server.send(order("40.00", "2026-11-30T10:00:00Z"), webhook_id="stranger")
    assert drain(engine).failed == 1
    assert "no store has the domain 'hotdash-test.myshopify.com'" in (events(engine)["stranger"].error or "")


def test_the_apps_job_worker_maps_deliveries_as_they_arrive(engine: Engine) -> None:
    add_store(engine)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        shopify_webhook_secret=SECRET,  # type: ignore[arg-type]
        jobs_in_process=True,  # as `hotdash serve` on SQLite: the job `inbound.process` maps them
    )
    url, stop = run_server(create_app(settings))
    try:
        body = order("40.00", "2026-11-30T10:00:00Z")
        sent = httpx.post(
            f"{url}/webhooks/shopify", content=body, headers=shopify_headers(body, webhook_id="bg")
        )
        assert sent.status_code == 200
        deadline = time.monotonic() + 10
        while events(engine)["bg"].status == "pending":
            assert time.monotonic() < deadline, "the job worker never mapped the delivery"
            time.sleep(0.05)
    finally:
        stop()
    assert events(engine)["bg"].status == "processed"
    assert len(orders(engine)) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboundEvent)) == 1


def test_a_refund_that_arrives_before_its_order_is_mapped_once_the_order_is_there(
    live_server: LiveServer, engine: Engine
) -> None:
    add_store(engine)
    refund = {
        "id": 31,
        "order_id": 820982911946154508,
        "created_at": "2026-11-30T11:00:00Z",
        "note": "broke",
        "transactions": [{"kind": "refund", "status": "success", "amount": "12.50", "currency": "EUR"}],
    }
    live_server.send(json.dumps(refund).encode(), webhook_id="r-1", topic="refunds/create")
    first = drain(engine)
    assert first.failed == 1
    assert "no orders with external id '820982911946154508'" in (events(engine)["r-1"].error or "")
    live_server.send(order("40.00", "2026-11-30T10:00:00Z"), webhook_id="o-1", topic="orders/create")
    # The next drain maps the order, then tries the refund again (its second attempt) and it fits.
    second = drain(engine)
    assert (second.processed, second.failed) == (2, 0)
    assert (events(engine)["r-1"].status, events(engine)["r-1"].attempts) == ("processed", 2)


def test_mapping_in_the_background_while_a_burst_arrives_loses_and_repeats_nothing(engine: Engine) -> None:
    add_store(engine)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        shopify_webhook_secret=SECRET,  # type: ignore[arg-type]
        jobs_in_process=True,
    )
    url, stop = run_server(create_app(settings))

    def send(share: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for number in range(share, 600, 4):
                body = json.dumps(
                    {
                        "id": 10_000 + number,
                        "name": f"#{number}",
                        "total_price": "9.00",
                        "subtotal_price": "9.00",
                        "currency": "EUR",
                        "processed_at": "2026-11-30T09:00:00Z",
                        "updated_at": "2026-11-30T09:00:00Z",
                    }
                ).encode()
                response = client.post("/webhooks/shopify", content=body, headers=shopify_headers(body))
                assert response.status_code == 200

    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(send, range(4)))
        deadline = time.monotonic() + 60
        while any(event.status == "pending" for event in events(engine).values()):
            assert time.monotonic() < deadline, "the background processor fell behind for a minute"
            time.sleep(0.1)
    finally:
        stop()
    found = events(engine).values()
    assert {(event.status, event.attempts) for event in found} == {("processed", 1)}
    assert len(found) == len(orders(engine)) == 600


def recorded(name: str, index: int, key: str) -> bytes:
    bodies = json.loads((FIXTURES / "admin-2026-07" / name).read_text())
    return json.dumps(bodies[index][key]).encode()


def test_recorded_shopify_bodies_delivered_as_webhooks_land_in_the_model(
    live_server: LiveServer, engine: Engine
) -> None:
    add_store(engine)
    deliveries = [
        ("locations/update", recorded("location_responses.json", 1, "location")),
        ("products/update", recorded("product_responses.json", 6, "product")),
        ("orders/create", recorded("order_responses.json", 2, "order")),
        ("fulfillments/update", recorded("fulfillment_responses.json", 4, "fulfillment")),
        ("refunds/create", recorded("refund_responses.json", 1, "refund")),
        ("inventory_levels/update", recorded("inventory_level_responses.json", 3, "inventory_level")),
    ]
    for number, (topic, body) in enumerate(deliveries):
        assert live_server.send(body, topic=topic, webhook_id=f"rec-{number}").status_code == 200
    result = drain(engine)
    found = {e.topic: e for e in events(engine).values()}
    # The recorded fulfillment ships from location 655441491, which no recorded location body describes: the
    # order and its parcel are kept without that link, and say so; an inventory level cannot be without it.
    assert (result.processed, result.failed) == (5, 1)
    assert found["inventory_levels/update"].status == "failed"
    assert "no locations with external id '655441491'" in (found["inventory_levels/update"].error or "")
    assert found["orders/create"].status == "processed"
    assert "orders 450789469 kept without location_external_id '655441491'" in (
        found["orders/create"].error or ""
    )
    assert found["fulfillments/update"].status == "processed"
    assert found["locations/update"].error is None
    with Session(engine) as session:
        (order,) = session.scalars(select(Order)).all()
        assert (order.number, order.total, order.store_id) == ("#1001", Decimal("598.94"), 1)
        refunds = session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
        assert {refund.external_id for refund in refunds} == {"509562969", "929361472"}
        (shipment,) = session.scalars(select(Shipment)).all()
        assert (shipment.order_id, shipment.location_id, shipment.carrier) == (order.id, None, "USPS")
        assert order.location_id is None
