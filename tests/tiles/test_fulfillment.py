"""Fulfillment Health on hand-made orders whose delays, buckets and places are known by construction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from hotdash.kernel.tunables import Tunables
from hotdash.store import models as m
from hotdash.store.delays import refresh_delay_rollups
from hotdash.tiles import fulfillment
from hotdash.tiles.context import make_context
from hotdash.tiles.schemas import Status, TileException, TileResult
from hotdash.tiles.windows import WindowName
from tests.tiles.builders import add

NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)
H, S, D = timedelta(hours=1), timedelta(seconds=1), timedelta(days=1)


@dataclass
class Shop:
    store: m.Store
    reno: m.Location
    columbus: m.Location


def shop(session: Session) -> Shop:
    store = add(session, m.Store)
    reno = add(session, m.Location, store_id=store.id, name="Reno DC")
    columbus = add(session, m.Location, store_id=store.id, name="Columbus DC")
    return Shop(store, reno, columbus)


def order(session: Session, shop: Shop, total: str = "10.00", **fields: object) -> m.Order:
    fields.setdefault("location_id", shop.reno.id)
    fields.setdefault("placed_at", NOW - 10 * D)
    return add(session, m.Order, store_id=shop.store.id, total=Decimal(total), **fields)


def parcel(session: Session, o: m.Order, carrier: str, shipped_at: datetime, **fields: object) -> m.Shipment:
    fields.setdefault("last_event_at", shipped_at)
    return add(session, m.Shipment, order_id=o.id, carrier=carrier, shipped_at=shipped_at, **fields)


def compute(session: Session, shop: Shop, now: datetime = NOW, **overrides: float) -> TileResult:
    # As whoever writes orders does: last week's figures are read from the delay spans.
    refresh_delay_rollups(session.connection(), store_id=shop.store.id, tz=ZoneInfo(shop.store.timezone))
    ctx = make_context(
        session=session, store=shop.store, now=now, window=WindowName.today, thresholds=Tunables(overrides)
    )
    return fulfillment.compute(ctx)


def exception(result: TileResult, key: str) -> TileException | None:
    return next((e for e in result.exceptions if e.key == key), None)


def ids(exc: TileException | None) -> set[int]:
    return {r.id for r in exc.records} if exc else set()


def figure(result: TileResult, key: str) -> float | None:
    return next(f.value for f in result.figures if f.key == key)


def test_delays_are_measured_from_the_missed_promise_into_exclusive_buckets(session: Session) -> None:
    s = shop(session)
    late_by = {  # hours past ship-by for open orders
        "one second": S,
        "exactly 24h": 24 * H,
        "24h and a second": 24 * H + S,
        "exactly 48h": 48 * H,
        "48h and a second": 48 * H + S,
        "exactly 72h": 72 * H,
        "72h and a second": 72 * H + S,
    }
    opened = {
        name: order(session, s, total=f"{10 * (i + 1)}.00", ship_by=NOW - delay)
        for i, (name, delay) in enumerate(late_by.items())
    }
    partial = order(session, s, total="5.50", fulfillment_status="partial", ship_by=NOW - 100 * H)
    shipped = order(
        session,
        s,
        total="7.25",
        fulfillment_status="fulfilled",
        ship_by=NOW - 60 * H,
        deliver_by=NOW - 30 * H,
    )
    parcel(session, shipped, "FedEx", NOW - 70 * H)
    # Not delayed: promise not yet past, cancelled either way, delivered late (done), shipped within promise.
    order(session, s, total="999.00", ship_by=NOW)
    order(
        session,
        s,
        total="999.00",
        fulfillment_status="cancelled",
        ship_by=NOW - 50 * H,
        cancelled_at=NOW - 60 * H,
    )
    order(session, s, total="999.00", ship_by=NOW - 50 * H, cancelled_at=NOW - 49 * H)
    order(
        session,
        s,
        total="999.00",
        fulfillment_status="delivered",
        ship_by=NOW - 90 * H,
        deliver_by=NOW - 30 * H,
    )
    on_way = order(
        session,
        s,
        total="999.00",
        fulfillment_status="fulfilled",
        ship_by=NOW - 10 * H,
        deliver_by=NOW + 10 * H,
    )
    parcel(session, on_way, "UPS", NOW - 11 * H)

    result = compute(session, s)

    delayed = [*opened.values(), partial, shipped]
    assert figure(result, "delayed") == len(delayed) == 9
    assert figure(result, "value_held") == float(sum(o.total for o in delayed))
    assert figure(result, "oldest_delay") == 100.0
    assert result.status is Status.warning  # 9 is within the guide's 5-15 band
    expected = {
        "outreach": {opened["24h and a second"].id, opened["exactly 48h"].id, shipped.id},
        "compensation": {opened["48h and a second"].id, opened["exactly 72h"].id},
        "refund_offer": {opened["72h and a second"].id, partial.id},
    }
    for key, members in expected.items():
        exc = exception(result, key)
        assert exc is not None
        assert ids(exc) == members
        assert exc.record_count == len(members)
        assert exc.money_at_stake == sum(o.total for o in delayed if o.id in members)
    assert ids(exception(result, "delayed")) == {o.id for o in delayed}
    # Oldest first, so the drill-down starts with the worst.
    assert exception(result, "delayed").records[0].id == partial.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("count", "status"),
    [
        (0, Status.ok),
        (1, Status.watch),
        (4, Status.watch),
        (5, Status.warning),
        (15, Status.warning),
        (16, Status.critical),
    ],
)
def test_status_bands_at_each_boundary(session: Session, count: int, status: Status) -> None:
    s = shop(session)
    for _ in range(count):
        order(session, s, ship_by=NOW - H)
    order(session, s, ship_by=NOW + H)  # not yet late
    result = compute(session, s)
    assert result.status is status
    assert figure(result, "delayed") == count
    if status is Status.critical:
        assert result.status_reason == "16 orders are past their promise; over 15 is critical."
        assert result.recommendation.action.startswith("Immediate warehouse contact")


def test_bands_follow_the_thresholds_in_force(session: Session) -> None:
    s = shop(session)
    for _ in range(6):
        order(session, s, ship_by=NOW - H)
    assert compute(session, s, **{"fulfillment.critical_above": 5}).status is Status.critical
    assert compute(
        session, s, **{"fulfillment.investigate_min": 7, "fulfillment.critical_above": 20}
    ).status is (Status.watch)


def test_a_carrier_and_a_warehouse_holding_most_delays_are_named(session: Session) -> None:
    s = shop(session)
    fedex = []
    for i in range(6):
        o = order(
            session,
            s,
            fulfillment_status="fulfilled",
            location_id=s.columbus.id if i else s.reno.id,
            ship_by=NOW - 40 * H,
            deliver_by=NOW - 5 * H,
        )
        if i == 0:  # two parcels: the latest decides who holds it
            parcel(session, o, "UPS", NOW - 50 * H)
        parcel(session, o, "FedEx", NOW - 45 * H)
        fedex.append(o)
    ups = []
    for _ in range(2):
        o = order(session, s, fulfillment_status="fulfilled", ship_by=NOW - 40 * H, deliver_by=NOW - 5 * H)
        parcel(session, o, "UPS", NOW - 45 * H)
        ups.append(o)
    waiting = order(session, s, location_id=s.columbus.id, ship_by=NOW - 3 * H)

    result = compute(session, s)

    carrier = exception(result, "carrier_hotspot")
    assert carrier is not None
    assert carrier.title == "FedEx holds 6 of 8 delayed parcels"
    assert ids(carrier) == {o.id for o in fedex}
    warehouse = exception(result, "warehouse_hotspot")
    assert warehouse is not None
    assert warehouse.title == "Columbus DC holds 6 of 9 delayed orders"
    assert ids(warehouse) == {o.id for o in fedex[1:]} | {waiting.id}
    assert result.chart is not None
    assert dict(zip(result.chart.x, result.chart.series[0].values, strict=True)) == {
        "Reno DC": 3,
        "Columbus DC": 6,
    }
    by_carrier = result.extra_charts[0]
    assert dict(zip(by_carrier.x, by_carrier.series[0].values, strict=True)) == {
        "FedEx": 6,
        "UPS": 2,
        "not shipped": 1,
    }


def test_no_hotspot_when_delays_are_spread(session: Session) -> None:
    s = shop(session)
    for carrier in ("FedEx", "FedEx", "UPS", "UPS", "USPS", "USPS"):
        o = order(
            session,
            s,
            fulfillment_status="fulfilled",
            ship_by=NOW - 40 * H,
            deliver_by=NOW - 5 * H,
            location_id=s.reno.id if carrier != "USPS" else s.columbus.id,
        )
        parcel(session, o, carrier, NOW - 45 * H)
    result = compute(session, s)
    assert exception(result, "carrier_hotspot") is None  # 2 of 6 each
    assert exception(result, "warehouse_hotspot") is None  # Reno holds 4 of 6, but fewer than 5
    lowered = compute(session, s, **{"fulfillment.investigate_min": 4})
    assert exception(lowered, "warehouse_hotspot") is not None


def test_parcels_silent_for_over_72_hours(session: Session) -> None:
    s = shop(session)
    quiet = []
    for last_scan in (NOW - 72 * H, NOW - 72 * H - S, NOW - 200 * H):
        o = order(session, s, fulfillment_status="fulfilled", ship_by=NOW + D, deliver_by=NOW + 2 * D)
        shipment = parcel(session, o, "FedEx", NOW - 210 * H, last_event_at=last_scan)
        if last_scan < NOW - 72 * H:
            quiet.append(shipment)
    never_scanned = order(session, s, total="20.00", fulfillment_status="partial", ship_by=NOW + D)
    quiet.append(parcel(session, never_scanned, "USPS", NOW - 80 * H, last_event_at=None))
    done = order(session, s, fulfillment_status="delivered", ship_by=NOW - 9 * D)
    parcel(session, done, "UPS", NOW - 9 * D, delivered_at=NOW - 8 * D, status="delivered")

    exc = exception(compute(session, s), "silent_parcels")

    assert exc is not None
    assert ids(exc) == {p.id for p in quiet}
    assert exc.record_count == 3
    assert all(r.entity == "shipment" for r in exc.records)
    assert exc.money_at_stake == Decimal("40.00")
    assert exc.records[0].id == quiet[1].id  # the longest silent first


def test_last_week_is_rebuilt_from_promises_and_on_time_rate_counts_unshipped_as_late(
    session: Session,
) -> None:
    s = shop(session)
    then = NOW - 7 * D

    def was(total: str, late_then: bool, **fields: object) -> tuple[m.Order, bool]:
        return order(session, s, total=total, **fields), late_then

    cases = [
        # shipped only after then, a day past ship-by: late then
        was(
            "11.00",
            True,
            fulfillment_status="delivered",
            placed_at=then - 3 * D,
            ship_by=then - D,
            fulfilled_at=then + D,
            deliver_by=then + 2 * D,
        ),
        # on its way then, past deliver-by, delivered after: late then (promise = deliver-by)
        was(
            "12.00",
            True,
            fulfillment_status="delivered",
            placed_at=then - 4 * D,
            ship_by=then - 2 * D,
            fulfilled_at=then - 3 * D,
            deliver_by=then - H,
        ),
        # not shipped then, cancelled afterwards: late then
        was(
            "13.00",
            True,
            fulfillment_status="cancelled",
            placed_at=then - 2 * D,
            ship_by=then - H,
            cancelled_at=then + H,
        ),
        # open for three weeks: late then and now
        was("14.00", True, placed_at=then - 20 * D, ship_by=then - 18 * D),
        # shipped long ago and still on its way, past deliver-by then: late then and now
        was(
            "15.00",
            True,
            fulfillment_status="fulfilled",
            placed_at=then - 20 * D,
            ship_by=then - 17 * D,
            fulfilled_at=then - 17 * D,
            deliver_by=then - 15 * D,
        ),
        # shipped on time, on its way within promise then
        was(
            "90.00",
            False,
            fulfillment_status="delivered",
            placed_at=then - 3 * D,
            ship_by=then - D,
            fulfilled_at=then - 2 * D,
            deliver_by=then + D,
        ),
        # placed after then
        was(
            "90.00",
            False,
            fulfillment_status="delivered",
            placed_at=then + H,
            ship_by=then + 2 * D,
            fulfilled_at=then + D,
            deliver_by=then + 3 * D,
        ),
        # cancelled before then
        was(
            "90.00",
            False,
            fulfillment_status="cancelled",
            placed_at=then - 3 * D,
            ship_by=then - D,
            cancelled_at=then - 2 * D,
        ),
        # delivered before then, though after its promise was not yet past
        was(
            "90.00",
            False,
            fulfillment_status="delivered",
            placed_at=then - 4 * D,
            ship_by=then - 2 * D,
            fulfilled_at=then - 3 * D,
            deliver_by=then - H,
        ),
        # ship-by exactly then: not yet late; shipped a day later
        was(
            "90.00",
            False,
            fulfillment_status="delivered",
            placed_at=then - 2 * D,
            ship_by=then,
            fulfilled_at=then + D,
            deliver_by=then + 3 * D,
        ),
        # due this week: on time, on time, late, still open (late), cancelled (not counted)
        was(
            "1.00",
            False,
            fulfillment_status="delivered",
            placed_at=NOW - 5 * D,
            ship_by=NOW - 3 * D,
            fulfilled_at=NOW - 4 * D,
            deliver_by=NOW - D,
        ),
        was(
            "1.00",
            False,
            fulfillment_status="fulfilled",
            placed_at=NOW - 3 * D,
            ship_by=NOW - D,
            fulfilled_at=NOW - D,
            deliver_by=NOW + D,
        ),
        was(
            "1.00",
            False,
            fulfillment_status="fulfilled",
            placed_at=NOW - 3 * D,
            ship_by=NOW - D,
            fulfilled_at=NOW - H,
            deliver_by=NOW + D,
        ),
        was("1.00", False, placed_at=NOW - 3 * D, ship_by=NOW - 2 * D),
        was(
            "1.00",
            False,
            fulfillment_status="cancelled",
            placed_at=NOW - 3 * D,
            ship_by=NOW - 2 * D,
            cancelled_at=NOW - 3 * D + H,
        ),
    ]
    for o, _ in cases:  # a parcel for every order that shipped, delivered when its status says so
        if o.fulfilled_at is not None:
            delivered = None
            if o.fulfillment_status == "delivered":
                delivered = then + 5 * H if o.total in (Decimal("11.00"), Decimal("12.00")) else then - 2 * H
                delivered = max(delivered, o.fulfilled_at + H)
            parcel(session, o, "UPS", o.fulfilled_at, delivered_at=delivered)

    result = compute(session, s)

    late_then = [o for o, late in cases if late]
    delayed = next(f for f in result.figures if f.key == "delayed")
    assert delayed.vs_last_week is not None
    assert delayed.vs_last_week.previous == len(late_then) == 5
    held = next(f for f in result.figures if f.key == "value_held")
    assert held.vs_last_week is not None
    assert held.vs_last_week.previous == float(sum(o.total for o in late_then))
    oldest = next(f for f in result.figures if f.key == "oldest_delay")
    assert oldest.vs_last_week is not None
    assert oldest.vs_last_week.previous == 18 * 24

    def on_time_rate(start: datetime, end: datetime) -> float:
        due = [o for o, _ in cases if start <= o.ship_by < end and o.fulfillment_status != "cancelled"]
        ok = [o for o in due if o.fulfilled_at is not None and o.fulfilled_at <= o.ship_by]
        return len(ok) / len(due)

    rate = next(f for f in result.figures if f.key == "on_time_ship_rate")
    assert rate.value == on_time_rate(NOW - 7 * D, NOW) == 3 / 6
    assert rate.vs_last_week is not None
    assert rate.vs_last_week.previous == on_time_rate(NOW - 14 * D, NOW - 7 * D)


def test_hours_are_real_hours_across_a_daylight_saving_change(session: Session) -> None:
    s = shop(session)
    # New York springs forward at 2 am on 8 March 2026: noon that day minus 24 wall-clock hours is only 23
    # real hours back. An order exactly 24 real hours late must not be in the over-24h bucket.
    now = datetime(2026, 3, 8, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    assert now.astimezone(UTC) - (now - 24 * H).astimezone(UTC) == 23 * H
    order(session, s, ship_by=now.astimezone(UTC) - 24 * H)
    result = compute(session, s, now=now)
    assert exception(result, "outreach") is None
    assert figure(result, "oldest_delay") == 24.0
