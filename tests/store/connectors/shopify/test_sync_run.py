"""The Shopify sync end to end: the replay shop on loopback, the real mappers and upserts, both databases.

What is expected is computed from the recorded payloads themselves (distinct ids, newest updated_at), not
from what the sync reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.store.connectors.shopify.sync import ShopifySync, SyncFailed, load_cursor
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Customer, InventoryLevel, Location, Order, Product, Sku, Store
from hotdash.store.models.ingest import Source
from hotdash.store.sources import service
from hotdash.store.sources.crypto import SecretBox, new_key
from tests.store.connectors.shopify.replay_shop import TOKEN, Fault, ReplayShop, recorded_records
from tests.store.connectors.shopify.test_sync_client import RecordedSleep

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MODELS = {"customers": Customer, "orders": Order, "products": Product, "locations": Location}


@pytest.fixture
def shop() -> Iterator[ReplayShop]:
    yield from ReplayShop().serve()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox.from_text(new_key())


@pytest.fixture
def factory(engine: Engine, shop: ReplayShop, box: SecretBox) -> sessionmaker[Session]:
    """A store and its Shopify source pointed at the replay shop, committed."""
    made = session_factory(engine)
    with unit_of_work(made) as session:
        store = Store(
            source="shopify",
            external_id="northwind",
            name="Northwind",
            currency="USD",
            timezone="America/New_York",
            created_at=NOW,
        )
        session.add(store)
        session.flush()
        service.create_source(
            session=session,
            key="shopify",
            kind="shopify",
            name="Northwind",
            store_id=store.id,
            settings={"api_url": shop.base_url},
            secrets={"access_token": TOKEN},
            box=box,
            actor=None,
            now=NOW,
        )
    return made


def sync(
    factory: sessionmaker[Session], box: SecretBox, sleep: RecordedSleep | None = None, full: bool = False
) -> ShopifySync:
    return ShopifySync(
        factory=factory,
        key="shopify",
        box=box,
        clock=FrozenClock(NOW),
        upsert=upsert_batch,
        full=full,
        page_size=2,
        sleep=sleep or RecordedSleep(),
    )


def newest(resource: str) -> datetime:
    return max(datetime.fromisoformat(r["updated_at"]).astimezone(UTC) for r in recorded_records(resource))


def stored_ids(factory: sessionmaker[Session]) -> dict[str, list[str]]:
    with factory() as session:
        found = {
            name: sorted(session.scalars(select(model.external_id).where(model.source == "shopify")))
            for name, model in MODELS.items()
        }
        found["inventory_levels"] = sorted(session.scalars(select(InventoryLevel.external_id)))
        return found


def expected_ids() -> dict[str, list[str]]:
    expected = {name: sorted(str(r["id"]) for r in recorded_records(name)) for name in MODELS}
    # Levels are asked for at the shop's locations; the recordings hold a few at locations not listed.
    locations = {str(r["id"]) for r in recorded_records("locations")}
    expected["inventory_levels"] = sorted(
        f"{r['inventory_item_id']}@{r['location_id']}"
        for r in recorded_records("inventory_levels")
        if str(r["location_id"]) in locations
    )
    return expected


def source_row(factory: sessionmaker[Session]) -> Source:
    with factory() as session:
        return session.scalars(select(Source)).one()


def test_a_first_sync_brings_every_record_and_stores_the_cursor(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    report = sync(factory, box).run()
    assert stored_ids(factory) == expected_ids()
    assert not any(counter["rejected"] for counter in report.outcomes.values())
    source = source_row(factory)
    assert source.last_sync_status == "succeeded"
    assert source.last_error is None
    # Each window ends when the run started; the next run reads from there.
    cursor = load_cursor(source.cursor)
    assert cursor.resume == {}
    for name in ("customers", "orders", "products", "inventory_levels"):
        assert datetime.fromisoformat(cursor.marks[name]) == NOW
    first_products = shop.list_requests("products")[0]
    assert "updated_at_min" not in first_products.query
    assert datetime.fromisoformat(first_products.query["updated_at_max"]) == NOW
    assert source.last_record_at == max(
        newest(name) for name in ("customers", "orders", "products", "locations")
    )
    assert report.pages == sum(len(shop.list_requests(name)) for name in MODELS) + len(
        shop.list_requests("inventory_levels")
    )
    # Several pages per resource, each followed by its Link header.
    assert len(shop.list_requests("products")) == 3


def test_a_rerun_asks_only_for_changes_since_the_cursor_and_changes_nothing(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    sync(factory, box).run()
    before = stored_ids(factory)
    shop.seen.clear()
    report = sync(factory, box).run()
    first_orders = shop.list_requests("orders")[0]
    assert datetime.fromisoformat(first_orders.query["updated_at_min"]) == NOW
    assert first_orders.query["status"] == "any"
    assert stored_ids(factory) == before
    outcomes = {outcome for counter in report.outcomes.values() for outcome, n in counter.items() if n}
    assert outcomes <= {"unchanged", "stale"}


def test_a_sync_that_stops_midway_keeps_its_pages_and_the_rerun_resumes(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    # Locations take 3 pages of 2; the shop goes down after the first page of products.
    shop.down_after_pages = 4
    with pytest.raises(SyncFailed, match="could not be reached"):
        sync(factory, box).run()
    source = source_row(factory)
    assert source.last_sync_status == "failed"
    assert "resumes where it stopped" in (source.last_error or "")
    products = recorded_records("products")
    first_page = products[:2]
    assert stored_ids(factory)["products"] == sorted(str(p["id"]) for p in first_page)
    # The cursor holds the next page's link, committed with the first page; the window has not moved yet.
    cursor = load_cursor(source.cursor)
    assert "products" not in cursor.marks
    next_link = cursor.resume["products"]["next"]
    assert "page_info=" in next_link

    shop.down_after_pages = None
    shop.seen.clear()
    sync(factory, box).run()
    resumed = shop.list_requests("products")[0]
    assert resumed.query["page_info"] == parse_qs(urlsplit(next_link).query)["page_info"][0]
    assert len(shop.list_requests("products")) == 2, "only the two pages not stored before"
    assert stored_ids(factory) == expected_ids()
    with factory() as session:
        # Nothing twice: one row per recorded product.
        assert session.scalar(select(func.count()).select_from(Product)) == len(products)
    assert source_row(factory).last_sync_status == "succeeded"


def test_a_refused_token_is_recorded_as_the_last_error_without_the_token(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    wrong = "shpat_0000000000000000000000000000dead"
    with unit_of_work(factory) as session:
        service.set_secret(
            session=session, key="shopify", secret="access_token", value=wrong, box=box, actor=None, now=NOW
        )
    with pytest.raises(SyncFailed) as raised:
        sync(factory, box).run()
    source = source_row(factory)
    for text in (str(raised.value), source.last_error or ""):
        assert "401" in text
        assert "access token" in text
        assert wrong not in text
        assert "dead" not in text
    assert source.last_sync_status == "failed"
    assert source.cursor is None
    assert len(shop.seen) == 1


def test_a_record_that_cannot_be_read_is_reported_and_the_others_still_land(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    broken = {**recorded_records("customers")[0], "id": None}
    shop.records["customers"] = [*shop.records["customers"], broken]
    report = sync(factory, box).run()
    assert stored_ids(factory)["customers"] == expected_ids()["customers"]
    assert report.problem_count == 1
    summary = source_row(factory).last_sync_summary or ""
    assert "1 turned away, e.g. customers None:" in summary
    assert source_row(factory).last_sync_status == "succeeded"


def test_a_key_that_no_longer_opens_the_secrets_fails_the_sync_with_what_to_do(
    factory: sessionmaker[Session], shop: ReplayShop
) -> None:
    with pytest.raises(SyncFailed, match="rotate-key"):
        sync(factory, SecretBox.from_text(new_key())).run()
    source = source_row(factory)
    assert source.last_sync_status == "failed"
    assert "cannot be decrypted" in (source.last_error or "")
    assert shop.seen == []


def test_pages_in_any_order_lose_nothing_when_a_sync_stops(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    # Shopify promises no order for REST lists: here the newest products come first. A cursor taken from the
    # newest record stored would skip the older ones still to come; the window and the next-page link do not.
    shop.records["products"] = list(reversed(shop.records["products"]))
    shop.down_after_pages = 4
    with pytest.raises(SyncFailed):
        sync(factory, box).run()
    shop.down_after_pages = None
    sync(factory, box).run()
    assert stored_ids(factory) == expected_ids()


def test_a_next_page_link_that_is_no_longer_valid_reads_the_window_again(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    shop.down_after_pages = 4
    with pytest.raises(SyncFailed):
        sync(factory, box).run()
    # The stored link goes stale (as page_info links do); the rerun reads the products window from its start.
    shop.page_info_generation += 1
    shop.down_after_pages = None
    shop.seen.clear()
    report = sync(factory, box).run()
    requests = shop.list_requests("products")
    assert "page_info" in requests[0].query, "the stored link was tried first"
    assert "page_info" not in requests[1].query
    assert datetime.fromisoformat(requests[1].query["updated_at_max"]) == NOW
    assert stored_ids(factory) == expected_ids()
    assert report.outcomes["products"]["unchanged"] == 2, (
        "the two products stored before come again, unchanged"
    )


def test_an_incremental_run_still_knows_which_variant_an_inventory_item_stocks(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    # In a real shop an inventory item's id differs from its variant's; only the products pages link them.
    product = next(p for p in shop.records["products"] if p["id"] == 921728736)
    product["variants"][0]["inventory_item_id"] = 999000111
    variant_id = str(product["variants"][0]["id"])
    level = {
        "inventory_item_id": 999000111,
        "location_id": 655441491,
        "available": 7,
        "updated_at": "2026-12-01T09:30:00Z",
    }
    shop.records["inventory_levels"] = [*shop.records["inventory_levels"], level]
    sync(factory, box).run()
    # The level changes again after the run; the products do not, so the next run does not see them.
    level["available"] = 5
    level["updated_at"] = "2026-12-01T09:45:00Z"
    shop.seen.clear()
    report = sync(factory, box).run()
    assert shop.list_requests("products")[0].query["updated_at_min"]
    assert report.fetched["products"] == 0
    assert report.outcomes["inventory_levels"]["updated"] == 1
    assert report.outcomes["inventory_levels"]["rejected"] == 0
    with factory() as session:
        stocked = session.execute(
            select(Sku.external_id, InventoryLevel.available)
            .join(InventoryLevel, InventoryLevel.sku_id == Sku.id)
            .where(InventoryLevel.external_id == "999000111@655441491")
        ).one()
    assert tuple(stocked) == (variant_id, 5)


def test_throttling_and_a_server_error_mid_sync_are_waited_out_and_nothing_is_lost(
    factory: sessionmaker[Session], box: SecretBox, shop: ReplayShop
) -> None:
    shop.faults += [
        Fault(
            "customers", 429, {"errors": "Exceeded 2 calls per second for api client."}, {"Retry-After": "3"}
        ),
        Fault("orders", 502, {"errors": "Bad Gateway"}),
    ]
    sleep = RecordedSleep()
    report = sync(factory, box, sleep=sleep).run()
    assert stored_ids(factory) == expected_ids()
    assert sleep.waits[0] == 3.0
    assert len(sleep.waits) == 2
    assert 0.5 <= sleep.waits[1] <= 1.0
    assert report.waited_seconds == pytest.approx(sum(sleep.waits))
    assert source_row(factory).last_sync_status == "succeeded"
