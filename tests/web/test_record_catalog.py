"""The record pages of a location, a product and a supplier, and the links that lead to them.

Each runs on SQLite and PostgreSQL; what a page lists is worked out here from the rows written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotdash.app import create_app
from hotdash.auth.models import Role
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store import models as m
from tests.auth.helpers import add_token, add_user, bearer, sign_in
from tests.tiles.builders import add

NOW = datetime.now(UTC)


@dataclass
class Catalog:
    ids: dict[str, int]
    client: TestClient


@pytest.fixture
def catalog(engine: Engine) -> Iterator[Catalog]:
    """Commit a store with two warehouses, a supplier, two products with three SKUs, and five orders."""
    ids: dict[str, int] = {}
    with unit_of_work(session_factory(engine)) as session:
        store = add(session, m.Store)
        newark = add(session, m.Location, store_id=store.id, name="Newark DC", region="NJ")
        reno = add(session, m.Location, store_id=store.id, name="Reno DC")
        wool = add(
            session, m.Supplier, name="Nordic Wool Co", lead_time_days=21, on_time_rate=Decimal("0.875")
        )
        beanie = add(session, m.Product, store_id=store.id, title="Merino Beanie", handle="merino-beanie")
        scarf = add(session, m.Product, store_id=store.id, title="Silk Scarf", handle="silk-scarf")
        for code, product, supplier in (
            ("BEANIE-NVY", beanie, wool),
            ("BEANIE-GRY", beanie, wool),
            ("SCARF-RED", scarf, None),
        ):
            sku = add(
                session, m.Sku, product_id=product.id, supplier_id=supplier.id if supplier else None, sku=code
            )
            ids[code] = sku.id
        orders = (
            ("#A1", newark, "unfulfilled", timedelta(days=1), False),
            ("#B2", newark, "partial", timedelta(hours=-2), False),
            ("#C3", newark, "fulfilled", timedelta(hours=-5), False),
            ("#D4", newark, "unfulfilled", timedelta(hours=-1), True),
            ("#E5", reno, "unfulfilled", timedelta(hours=-3), False),
        )
        for number, location, status, due, cancelled in orders:
            order = add(
                session,
                m.Order,
                store_id=store.id,
                location_id=location.id,
                number=number,
                fulfillment_status=status,
                placed_at=NOW - timedelta(days=2),
                ship_by=NOW + due,
                cancelled_at=NOW - timedelta(days=1) if cancelled else None,
            )
            ids[number] = order.id
        ids |= {"newark": newark.id, "reno": reno.id, "wool": wool.id, "beanie": beanie.id}
    add_user(engine, "viewer@example.com", Role.viewer)
    url = engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, detection_scheduler=False))) as client:
        sign_in(client, "viewer@example.com")
        yield Catalog(ids, client)


def _page(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.text


def _field(html: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    assert found is not None, f"no {label!r} field"
    return found.group(1)


def _linked(html: str, entity: str) -> list[str]:
    return re.findall(rf'<a href="/records/{entity}/\d+">([^<]+)</a>', html)


def test_a_location_lists_its_open_orders_soonest_due_first(catalog: Catalog) -> None:
    page = _page(catalog.client, f"/records/location/{catalog.ids['newark']}")
    assert '<h1 class="record-title">Newark DC</h1>' in page
    assert _field(page, "Name") == "Newark DC"
    assert _field(page, "Kind") == "warehouse"
    assert _field(page, "Region") == "NJ"
    # Open (unfulfilled or partial) and not cancelled, here: #B2 is due before #A1; #C3 shipped, #D4 was
    # cancelled, #E5 ships from Reno.
    assert _linked(page, "order") == ["#B2", "#A1"]


def test_a_supplier_shows_its_terms_and_the_skus_reordered_from_it(catalog: Catalog) -> None:
    page = _page(catalog.client, f"/records/supplier/{catalog.ids['wool']}")
    assert '<h1 class="record-title">Nordic Wool Co</h1>' in page
    assert _field(page, "Lead time") == "21 d"
    assert _field(page, "On time") == "87.5%"
    assert _field(page, "Rush fee") == "$500.00"
    assert _field(page, "SKUs") == "2"
    assert _linked(page, "sku") == ["BEANIE-GRY", "BEANIE-NVY"]


def test_a_product_lists_its_skus_and_a_sku_links_back_to_product_and_supplier(catalog: Catalog) -> None:
    ids = catalog.ids
    page = _page(catalog.client, f"/records/product/{ids['beanie']}")
    assert '<h1 class="record-title">Merino Beanie</h1>' in page
    assert _field(page, "Handle") == "merino-beanie"
    assert _linked(page, "sku") == ["BEANIE-GRY", "BEANIE-NVY"]
    assert _linked(page, "supplier") == ["Nordic Wool Co", "Nordic Wool Co"]

    sku = _page(catalog.client, f"/records/sku/{ids['BEANIE-NVY']}")
    assert _field(sku, "SKU code") == "BEANIE-NVY"
    assert _field(sku, "Product") == f'<a href="/records/product/{ids["beanie"]}">Merino Beanie</a>'
    assert (
        _field(sku, "Supplier")
        == f'<a href="/records/supplier/{ids["wool"]}">Nordic Wool Co (lead time 21 d)</a>'
    )
    scarf = _page(catalog.client, f"/records/sku/{ids['SCARF-RED']}")
    assert _field(scarf, "Supplier") == "—"


def test_an_order_links_to_the_warehouse_it_ships_from(catalog: Catalog) -> None:
    ids = catalog.ids
    page = _page(catalog.client, f"/records/order/{ids['#E5']}")
    assert _field(page, "Order number") == "#E5"
    assert _field(page, "Warehouse") == f'<a href="/records/location/{ids["reno"]}">Reno DC</a>'
    assert _page(catalog.client, f"/records/location/{ids['reno']}").count("#E5") == 1


def test_record_pages_link_to_records_under_a_proxy_prefix(engine: Engine, catalog: Catalog) -> None:
    add_user(engine, "proxied@example.com", Role.viewer)
    token = add_token(engine, "proxied@example.com")
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, detection_scheduler=False))
    with TestClient(app, root_path="/shop-ops", headers=bearer(token)) as proxied:
        page = proxied.get(f"/records/location/{catalog.ids['newark']}")
        assert page.status_code == 200
        links = re.findall(r'<a href="([^"]*/records/order/\d+)">', page.text)
        assert links == [f"/shop-ops/records/order/{catalog.ids[n]}" for n in ("#B2", "#A1")]
        assert proxied.get(links[0]).status_code == 200
