"""The dataset summary tells the operator exactly what is loaded: counts, stores, date range, schema."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from hotdash.db import migrate
from hotdash.db.base import Base
from hotdash.db.session import session_factory, unit_of_work
from hotdash.store import service
from hotdash.store.models import (
    BusinessHours,
    CalendarEvent,
    Customer,
    InventoryLevel,
    Location,
    Order,
    OrderLine,
    PageTraffic,
    Product,
    Refund,
    Return,
    Shipment,
    Sku,
    Store,
    Supplier,
    TeamMember,
    Ticket,
    TrackingEvent,
)

# The earliest and latest records of each kind the seed writes; the summary must report exactly these.
FIRST_ORDER = datetime(2026, 3, 1, 23, 45, tzinfo=UTC)
LAST_ORDER = datetime(2026, 3, 9, 8, 5, tzinfo=UTC)
FIRST_TICKET = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAST_TICKET = datetime(2026, 3, 10, 16, 20, tzinfo=UTC)
FIRST_DAY = date(2026, 3, 1)
LAST_DAY = date(2026, 3, 3)


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with unit_of_work(session_factory(sqlite_engine)) as session:
        yield session


def add_small_shop(session: Session) -> None:
    """Write a small but complete shop: three orders over a week, a refund, a return, tickets and traffic."""
    # One compact call per record reads like the record; one keyword a line would triple this function.
    # fmt: off
    store = Store(source="shopify", external_id="shop-1", name="Northwind Outfitters", currency="EUR",
                  timezone="Europe/Berlin", created_at=FIRST_ORDER - timedelta(days=400))
    supplier = Supplier(source="csv", external_id="SUP-1", name="Alpenwolle GmbH", lead_time_days=21,
                        on_time_rate=Decimal("0.93"))
    session.add_all([store, supplier])
    session.flush()
    product = Product(source="shopify", external_id="p-1", store_id=store.id, title="Merino Crew Sweater",
                      created_at=FIRST_ORDER, updated_at=FIRST_ORDER)
    location = Location(source="shopify", external_id="loc-1", store_id=store.id, name="Leipzig Warehouse",
                        kind="warehouse", timezone="Europe/Berlin")
    buyers = [Customer(source="shopify", external_id=f"c-{n}", store_id=store.id, created_at=FIRST_ORDER,
                       updated_at=FIRST_ORDER) for n in (1, 2)]
    operator = TeamMember(source="manual", external_id="tm-1", store_id=store.id, name="Dana Kruger",
                          role="support", team="Support", timezone="Europe/Berlin", work_start=time(8),
                          work_end=time(16), work_days="12345", created_at=FIRST_ORDER)
    session.add_all([product, location, operator, *buyers])
    session.flush()
    skus = [Sku(source="shopify", external_id=f"v-{size}", product_id=product.id, supplier_id=supplier.id,
                sku=f"MER-CREW-{size}", title=f"Merino Crew / {size}", price=Decimal("89.00"),
                created_at=FIRST_ORDER, updated_at=FIRST_ORDER) for size in ("S", "M")]
    placed = [FIRST_ORDER, LAST_ORDER, FIRST_ORDER + timedelta(days=2)]  # not in time order on purpose
    orders = [Order(source="shopify", external_id=f"o-{n}", store_id=store.id, customer_id=buyers[n % 2].id,
                    number=f"#100{n}", channel="web", currency="EUR", subtotal=Decimal("178"),
                    total=Decimal("178"), financial_status="paid", fulfillment_status="fulfilled",
                    placed_at=at, updated_at=at) for n, at in enumerate(placed)]
    session.add_all([*skus, *orders])
    session.add(CalendarEvent(source="manual", external_id="ev-1", store_id=store.id, kind="promotion",
                              name="Spring Sale", starts_on=date(2026, 3, 20), ends_on=date(2026, 3, 23)))
    session.add_all([BusinessHours(store_id=store.id, weekday=day, opens=time(9), closes=time(17))
                     for day in (1, 2, 3)])
    session.flush()
    session.add_all([InventoryLevel(source="shopify", external_id=f"inv-{sku.sku}", sku_id=sku.id,
                                    location_id=location.id, on_hand=40, available=38, updated_at=LAST_ORDER)
                     for sku in skus])
    lines = [OrderLine(source="shopify", external_id=f"l-{order.id}-{sku.sku}", order_id=order.id,
                       sku_id=sku.id, title=sku.title, quantity=1, unit_price=Decimal("89"),
                       total=Decimal("89"))
             for order in orders for sku in skus]
    shipment = Shipment(source="shopify", external_id="f-1", order_id=orders[0].id, carrier="DHL",
                        status="delivered", updated_at=FIRST_ORDER + timedelta(days=3))
    refund = Refund(source="shopify", external_id="r-1", order_id=orders[0].id, amount=Decimal("89"),
                    currency="EUR", reason="damaged", status="processed", requested_at=LAST_ORDER)
    session.add_all([*lines, shipment, refund])
    session.flush()
    session.add_all([TrackingEvent(source="dhl", external_id=f"t-{n}", shipment_id=shipment.id, status=status,
                                   occurred_at=FIRST_ORDER + timedelta(days=n + 1))
                     for n, status in enumerate(("in_transit", "out_for_delivery", "delivered"))])
    session.add(Return(source="shopify", external_id="ret-1", order_id=orders[0].id, refund_id=refund.id,
                       order_line_id=lines[0].id, quantity=1, reason="damaged", status="received",
                       requested_at=LAST_ORDER))
    opened = [LAST_TICKET, FIRST_TICKET, FIRST_TICKET + timedelta(days=1)]
    session.add_all([Ticket(source="gorgias", external_id=f"tk-{n}", store_id=store.id, order_id=orders[0].id,
                            assignee_id=operator.id, channel="email", subject="Sweater arrived with a hole",
                            priority="normal", status="open", created_at=at, updated_at=at)
                     for n, at in enumerate(opened)])
    session.add_all([PageTraffic(source="ga4", external_id=f"pt-{day}-{page}", store_id=store.id, day=day,
                                 landing_page=page, sessions=120, conversions=3, revenue=Decimal("267"))
                     for day in (LAST_DAY, FIRST_DAY, date(2026, 3, 2)) for page in ("/", "/p/merino")])
    # fmt: on
    session.flush()


def test_counts_match_an_independent_count_of_every_table(session: Session, sqlite_engine: Engine) -> None:
    add_small_shop(session)
    session.commit()

    summary = service.dataset_summary(session=session)

    with sqlite_engine.connect() as connection:
        expected = {
            entity.key: connection.execute(text(f"SELECT COUNT(*) FROM {entity.key}")).scalar_one()
            for entity in summary.entities
        }
    assert {entity.key: entity.count for entity in summary.entities} == expected
    by_label = {entity.label: entity.count for entity in summary.entities}
    assert by_label["Orders"] == 3
    assert by_label["Order lines"] == 6
    assert by_label["Tracking events"] == 3
    assert by_label["Page traffic (page-days)"] == 6
    assert summary.total_rows == sum(expected.values())
    assert not summary.is_empty


def test_every_table_of_the_model_is_counted() -> None:
    # A table missing here would silently vanish from the overview page and `hotdash info`.
    counted = {model.__tablename__ for model, _label in service.ENTITIES}
    store_tables = {
        mapper.class_.__tablename__
        for mapper in Base.registry.mappers
        if mapper.class_.__module__.startswith("hotdash.store.models")
        # Rollups are derived, and the ingest tables record how data arrived: neither is data someone loaded.
        and mapper.class_.__module__ not in {"hotdash.store.models.rollups", "hotdash.store.models.ingest"}
    }
    assert counted == store_tables
    labels = [label for _model, label in service.ENTITIES]
    assert len(set(labels)) == len(labels)


def test_date_range_is_the_earliest_and_latest_record(session: Session) -> None:
    add_small_shop(session)

    span = service.dataset_summary(session=session).date_range

    assert (span.orders.first, span.orders.last) == (FIRST_ORDER, LAST_ORDER)
    assert (span.tickets.first, span.tickets.last) == (FIRST_TICKET, LAST_TICKET)
    assert (span.page_traffic.first, span.page_traffic.last) == (FIRST_DAY, LAST_DAY)
    # Timestamps come back timezone-aware so pages can show them in the store's zone.
    assert span.orders.first is not None
    assert span.orders.first.tzinfo is not None


def test_stores_are_listed_with_currency_and_timezone(session: Session) -> None:
    add_small_shop(session)

    summary = service.dataset_summary(session=session)

    assert [(s.name, s.currency, s.timezone) for s in summary.stores] == [
        ("Northwind Outfitters", "EUR", "Europe/Berlin")
    ]
    assert summary.display_timezone == "Europe/Berlin"


def test_empty_database_reports_nothing_loaded_at_the_current_schema(session: Session) -> None:
    summary = service.dataset_summary(session=session)

    assert summary.is_empty
    assert all(entity.count == 0 for entity in summary.entities)
    assert summary.stores == ()
    assert summary.date_range.orders == service.TimeSpan(first=None, last=None)
    assert summary.date_range.page_traffic == service.DaySpan(first=None, last=None)
    assert summary.schema_revision == migrate.head_revision()
    assert summary.schema_up_to_date
    assert summary.display_timezone == "UTC"


@pytest.mark.parametrize(
    ("zones", "shown"),
    [
        (["America/New_York", "America/New_York"], "America/New_York"),
        (["America/New_York", "Europe/Berlin"], "UTC"),
        (["Mars/Olympus_Mons"], "UTC"),
    ],
)
def test_times_are_shown_in_the_stores_zone_only_when_it_is_unambiguous(
    session: Session, zones: list[str], shown: str
) -> None:
    session.add_all(
        Store(
            source="shopify",
            external_id=f"shop-{n}",
            name=f"Shop {n}",
            currency="USD",
            timezone=zone,
            created_at=FIRST_ORDER,
        )
        for n, zone in enumerate(zones)
    )
    session.flush()

    assert service.dataset_summary(session=session).display_timezone == shown
