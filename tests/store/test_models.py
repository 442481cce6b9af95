"""The canonical model gives back what the connectors write, unchanged, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, insert, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from hotdash.db.base import Base, SourceMixin
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

# Black Friday afternoon, with microseconds: they must survive the trip too.
T0 = datetime(2025, 11, 28, 14, 5, 9, 123456, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def build_model(session: Session) -> dict[type[Base], Base]:
    """Write one realistic row of every mapped class, flushing per layer so foreign keys can be filled in."""
    # Formatting is off: a compact block per row reads like the record it is; one keyword a line triples it.
    # fmt: off
    store = Store(source="shopify", external_id="gid://shopify/Shop/77", name="Northwind Outfitters",
                  domain="northwind.example", currency="EUR", timezone="Europe/Berlin",
                  created_at=T0 - timedelta(days=900))
    supplier = Supplier(source="csv", external_id="SUP-014", name="Alpenwolle GmbH",
                        contact_email="orders@alpenwolle.example", lead_time_days=21,
                        on_time_rate=Decimal("0.9350"), rush_fee=Decimal("85.00"))
    session.add_all([store, supplier])
    session.flush()
    product = Product(source="shopify", external_id="gid://shopify/Product/8812", store_id=store.id,
                      title="Merino Crew Sweater", handle="merino-crew-sweater", product_type="Knitwear",
                      vendor="Alpenwolle", tags="wool,winter,bestseller", status="active",
                      created_at=T0 - timedelta(days=400), updated_at=T0 - timedelta(days=3))
    location = Location(source="shopify", external_id="gid://shopify/Location/5", store_id=store.id,
                        name="Leipzig Warehouse", kind="warehouse", country="DE", region="Saxony",
                        timezone="Europe/Berlin", is_active=True)
    customer = Customer(source="shopify", external_id="gid://shopify/Customer/3301", store_id=store.id,
                        email="zoe.muller@example.com", name="Zoë Müller", country="AT",
                        first_order_at=T0 - timedelta(days=200), orders_count=4,
                        total_spent=Decimal("412.80"), is_vip=True, tags="vip,newsletter",
                        created_at=T0 - timedelta(days=210), updated_at=T0)
    member = TeamMember(source="helpdesk", external_id="agent-17", store_id=store.id, name="Jonas Becker",
                        email="jonas@northwind.example", role="support", team="Tier 1", is_active=True,
                        hired_on=date(2023, 4, 3), timezone="Europe/Berlin", work_start=time(8, 30),
                        work_end=time(17, 0), work_days="12345",
                        target_first_response_minutes=Decimal("45.00"), target_quality=Decimal("0.9000"),
                        target_csat=Decimal("4.60"), target_escalation_rate=Decimal("0.0500"),
                        target_tickets_per_day=60, target_revenue_monthly=Decimal("25000.00"),
                        created_at=T0 - timedelta(days=600))
    hours = BusinessHours(store_id=store.id, weekday=5, opens=time(9, 0), closes=time(18, 30))
    holiday = CalendarEvent(source="manual", external_id="xmas-2025", store_id=store.id, kind="holiday",
                            name="Christmas Day", starts_on=date(2025, 12, 25),
                            ends_on=date(2025, 12, 26))
    traffic = PageTraffic(source="ga4", external_id="2025-11-28:/products/merino-crew-sweater",
                          store_id=store.id, day=date(2025, 11, 28),
                          landing_page="/products/merino-crew-sweater", sessions=1843, conversions=57,
                          revenue=Decimal("5123.43"))
    session.add_all([product, location, customer, member, hours, holiday, traffic])
    session.flush()
    sku = Sku(source="shopify", external_id="gid://shopify/ProductVariant/4401", product_id=product.id,
              supplier_id=supplier.id, sku="MCS-NAVY-M", title="Merino Crew Sweater / Navy / M",
              price=Decimal("89.90"), unit_cost=Decimal("31.15"), tags="core", is_active=True,
              created_at=T0 - timedelta(days=400), updated_at=T0 - timedelta(days=3))
    order = Order(source="shopify", external_id="gid://shopify/Order/5550001", store_id=store.id,
                  customer_id=customer.id, location_id=location.id, number="#1042", channel="web",
                  landing_page="/products/merino-crew-sweater", currency="EUR", subtotal=Decimal("179.80"),
                  discount_total=Decimal("17.98"), shipping_total=Decimal("4.90"),
                  tax_total=Decimal("25.84"), total=Decimal("166.72"), financial_status="paid",
                  fulfillment_status="fulfilled", tags="black-friday", placed_at=T0,
                  ship_by=T0 + timedelta(days=1), deliver_by=T0 + timedelta(days=4),
                  fulfilled_at=T0 + timedelta(hours=20), cancelled_at=None, cancel_reason=None,
                  updated_at=T0 + timedelta(hours=20))
    session.add_all([sku, order])
    session.flush()
    level = InventoryLevel(source="shopify", external_id="inv-4401-5", sku_id=sku.id, location_id=location.id,
                           on_hand=140, available=122, incoming=300, incoming_eta=T0 + timedelta(days=12),
                           updated_at=T0)
    line = OrderLine(source="shopify", external_id="gid://shopify/LineItem/990001", order_id=order.id,
                     sku_id=sku.id, title="Merino Crew Sweater / Navy / M", quantity=2,
                     unit_price=Decimal("89.90"), discount=Decimal("17.98"), total=Decimal("161.82"))
    refund = Refund(source="shopify", external_id="gid://shopify/Refund/7001", order_id=order.id,
                    amount=Decimal("80.91"), currency="EUR", reason="size", note="Too small, kept one",
                    status="processed", requested_at=T0 + timedelta(days=6),
                    processed_at=T0 + timedelta(days=9))
    delivered = T0 + timedelta(days=2, hours=5)
    shipment = Shipment(source="shopify", external_id="gid://shopify/Fulfillment/3101", order_id=order.id,
                        location_id=location.id, carrier="DHL", service="Paket",
                        tracking_number="00340434161094042557",
                        tracking_url="https://track.example/00340434161094042557", status="delivered",
                        shipped_at=T0 + timedelta(hours=20), estimated_delivery_at=T0 + timedelta(days=3),
                        delivered_at=delivered, last_event_at=delivered, updated_at=delivered)
    ticket = Ticket(source="helpdesk", external_id="TCK-88213", store_id=store.id, customer_id=customer.id,
                    order_id=order.id, assignee_id=member.id, channel="email",
                    subject="Wo ist meine Bestellung? #1042", category="wismo", tags="wismo,de",
                    priority="high", status="solved", created_at=T0 + timedelta(days=1, hours=2),
                    first_response_at=T0 + timedelta(days=1, hours=2, minutes=38),
                    resolved_at=T0 + timedelta(days=1, hours=5), updated_at=T0 + timedelta(days=1, hours=5),
                    csat=5, quality_score=Decimal("0.9250"), is_escalated=True,
                    escalated_at=T0 + timedelta(days=1, hours=3), legal_threat=False, regulatory_threat=False,
                    value_at_stake=Decimal("166.72"))
    session.add_all([level, line, refund, shipment, ticket])
    session.flush()
    scan = TrackingEvent(source="dhl", external_id="00340434161094042557:4", shipment_id=shipment.id,
                         occurred_at=delivered, status="delivered",
                         description="Zugestellt — an Nachbar übergeben", city="Wien")
    ret = Return(source="shopify", external_id="gid://shopify/Return/610", order_id=order.id,
                 order_line_id=line.id, refund_id=refund.id, quantity=1, reason="size", status="restocked",
                 requested_at=T0 + timedelta(days=6), received_at=T0 + timedelta(days=8))
    session.add_all([scan, ret])
    session.flush()
    rows: list[Base] = [store, supplier, product, location, customer, member, hours, holiday, traffic, sku,
                        order, level, line, refund, shipment, ticket, scan, ret]
    # fmt: on
    return {type(row): row for row in rows}


def snapshot(row: Base) -> dict[str, Any]:
    """Every column value of a row, by attribute name."""
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def write_model(engine: Engine) -> dict[type[Base], dict[str, Any]]:
    """Commit the sample model and return what was written, taken before commit expires the objects."""
    with Session(engine) as session:
        written = {cls: snapshot(row) for cls, row in build_model(session).items()}
        session.commit()
    return written


def test_every_entity_round_trips(engine: Engine) -> None:
    written = write_model(engine)
    # A new model class without a sample row here would silently go untested.
    # Rollups are derived (tests/store/test_rollups.py); auth and tiles tables belong to their own contexts,
    # and the ingest bookkeeping tables (sources, deliveries, import runs) to the ingest tests.
    canonical = {
        mapper.class_
        for mapper in Base.registry.mappers
        if mapper.class_.__module__.startswith("hotdash.store.models")
        and mapper.class_.__module__ not in ("hotdash.store.models.rollups", "hotdash.store.models.ingest")
    }
    assert set(written) == canonical
    assert len(written) == 18

    with Session(engine) as session:
        for cls, expected in written.items():
            loaded = session.get(cls, expected["id"])
            assert loaded is not None, cls.__name__
            actual = snapshot(loaded)
            assert actual == expected, cls.__name__
            for key, value in actual.items():
                if isinstance(value, datetime):
                    assert value.utcoffset() == timedelta(0), f"{cls.__name__}.{key} is not UTC: {value!r}"


def test_timestamps_are_stored_as_the_same_instant_and_read_back_in_utc(engine: Engine) -> None:
    written = write_model(engine)
    order_id = written[Order]["id"]
    # 01:30 in New York on the night clocks spring forward (EST, UTC-5) is 06:30 UTC.
    local = datetime(2025, 3, 9, 1, 30, tzinfo=NEW_YORK)
    with Session(engine) as session:
        order = session.get_one(Order, order_id)
        order.placed_at = local
        session.commit()

    # A PostgreSQL session in another zone must not shift what the application sees.
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TIME ZONE 'Asia/Kolkata'"))
        with Session(connection) as session:
            placed_at = session.scalars(select(Order.placed_at).where(Order.id == order_id)).one()
            # Filters compare instants, whatever zone the bound value is in.
            found_by_local = session.scalars(select(Order.id).where(Order.placed_at == local)).all()
            after = session.scalars(
                select(Order.id).where(Order.placed_at > datetime(2025, 3, 9, 6, 30, tzinfo=UTC))
            ).all()

    assert placed_at == datetime(2025, 3, 9, 6, 30, tzinfo=UTC)
    assert placed_at.utcoffset() == timedelta(0)
    assert (placed_at.hour, placed_at.minute) == (6, 30)
    assert found_by_local == [order_id]
    assert after == []


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    written = write_model(engine)
    with Session(engine) as session:
        order = session.get_one(Order, written[Order]["id"])
        order.placed_at = datetime(2025, 11, 28, 9, 0)  # 09:00 where? UTC, the store's zone, the server's?
        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()
        session.rollback()
        # A naive bound in a filter is as ambiguous: it fails loudly instead of matching the wrong rows.
        with pytest.raises(StatementError, match="naive datetime"):
            session.scalars(select(Order).where(Order.placed_at > datetime(2025, 11, 1))).all()

    with Session(engine) as session:
        assert session.get_one(Order, written[Order]["id"]).placed_at == T0


def test_money_is_exact_to_the_cent(engine: Engine) -> None:
    written = write_model(engine)
    order_id = written[Order]["id"]
    lines = [("pos", "Wool socks", "19.99")] * 3 + [("fees", "Gift wrap", "0.10"), ("fees", "Card", "0.20")]
    with Session(engine) as session:
        session.add_all(
            OrderLine(
                source=source,
                external_id=f"line-{n}",
                order_id=order_id,
                title=title,
                quantity=1,
                unit_price=Decimal(price),
                discount=Decimal("0"),
                total=Decimal(price),
            )
            for n, (source, title, price) in enumerate(lines)
        )
        big = session.get_one(Customer, written[Customer]["id"])
        big.total_spent = Decimal("123456789012.34")  # the full precision of the column
        session.commit()

    with Session(engine) as session:
        sums = select(OrderLine.source, func.sum(OrderLine.total)).group_by(OrderLine.source)
        total_by_source = {source: total for source, total in session.execute(sums)}
        spent = session.scalar(select(Customer.total_spent))

    # SQLite sums binary floats (0.10 + 0.20 = 0.30000000000000004); the Money type must hand back cents.
    socks, fees = total_by_source["pos"], total_by_source["fees"]
    assert isinstance(socks, Decimal)
    assert isinstance(fees, Decimal)
    assert str(socks.quantize(Decimal("0.01"))) == "59.97"
    assert (socks, fees) == (Decimal("59.97"), Decimal("0.30"))
    assert str(fees) == "0.30"
    assert spent == Decimal("123456789012.34")


def _source_tables() -> list[Any]:
    return sorted(
        (m.local_table for m in Base.registry.mappers if issubclass(m.class_, SourceMixin)),
        key=lambda table: table.name,
    )


def _copy_overrides(session: Session, written: dict[type[Base], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Changes a copied row needs so that only (source, external_id) can clash, not the tables' other keys."""
    other = Location(
        source="shopify",
        external_id="gid://shopify/Location/6",
        store_id=written[Store]["id"],
        name="Overflow 3PL",
        kind="3pl",
        timezone="Europe/Berlin",
        is_active=True,
    )
    session.add(other)
    session.commit()
    return {
        "inventory_levels": {"location_id": other.id},
        "page_traffic": {"landing_page": "/collections/sale"},
    }


def _insert_copy(engine: Engine, table: Any, row_id: int, changes: dict[str, Any]) -> IntegrityError | None:
    with engine.connect() as connection:
        row = dict(connection.execute(select(table).where(table.c.id == row_id)).mappings().one())
        del row["id"]
        try:
            connection.execute(insert(table).values({**row, **changes}))
        except IntegrityError as error:
            connection.rollback()
            return error
        connection.commit()
        return None


def test_source_and_external_id_are_unique_per_table(engine: Engine) -> None:
    written = write_model(engine)
    rows = {cls.__table__.name: row for cls, row in written.items()}  # type: ignore[attr-defined]
    with Session(engine) as session:
        overrides = _copy_overrides(session, written)
    tables = _source_tables()
    assert len(tables) == 17  # every table but business_hours, which no source feeds

    not_refused: list[str] = []
    for table in tables:
        error = _insert_copy(engine, table, rows[table.name]["id"], overrides.get(table.name, {}))
        if error is None or "external_id" not in str(error.orig):
            not_refused.append(f"{table.name}: {error}")
    assert not_refused == [], "a second row with the same (source, external_id) was accepted"

    # The same id from another system is another record.
    for table in tables:
        changes = {**overrides.get(table.name, {}), "source": "legacy-erp"}
        assert _insert_copy(engine, table, rows[table.name]["id"], changes) is None, table.name
    with engine.connect() as connection:
        for table in tables:
            same_id = table.c.external_id == rows[table.name]["external_id"]
            assert connection.scalar(select(func.count()).where(same_id)) == 2, table.name


def upsert(session: Session, cls: type[Base], values: dict[str, Any]) -> None:
    """Insert or update by (source, external_id), the way the import will; test-only on purpose."""
    dialect = session.get_bind().dialect.name
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(cls).values(values)
    updates = {k: statement.excluded[k] for k in values if k not in ("source", "external_id")}
    session.execute(statement.on_conflict_do_update(index_elements=["source", "external_id"], set_=updates))


def test_upsert_by_source_and_external_id_updates_in_place(engine: Engine) -> None:
    written = write_model(engine)
    key = {"source": "shopify", "external_id": written[Customer]["external_id"]}
    again = {
        **key,
        "store_id": written[Store]["id"],
        "email": "zoe@new-mail.example",
        "orders_count": 5,
        "total_spent": Decimal("492.70"),
        "created_at": T0 - timedelta(days=210),
        "updated_at": T0 + timedelta(days=1),
    }
    with Session(engine) as session:
        upsert(session, Customer, again)
        upsert(session, Customer, again)  # a re-import of the same payload changes nothing
        session.commit()

    with Session(engine) as session:
        customers = session.scalars(select(Customer)).all()
    assert len(customers) == 1
    # Same id: orders and tickets pointing at the customer stay attached.
    assert customers[0].id == written[Customer]["id"]
    assert (customers[0].email, customers[0].orders_count) == ("zoe@new-mail.example", 5)
    assert customers[0].total_spent == Decimal("492.70")
    assert customers[0].updated_at == T0 + timedelta(days=1)
    assert customers[0].name == "Zoë Müller"  # fields the payload did not carry are kept
