"""Metric, pattern, template and SLA rules: thresholds at their boundaries, counted independently."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection.evaluator import severity_for
from hotdash.kernel.calendar import BusinessCalendar, to_micros
from hotdash.store import models as m
from hotdash.store.calendar import store_calendar
from hotdash.tiles import sla
from tests.detection.engine.helpers import NOW, by_key, detections, make_rule, run
from tests.tiles.builders import add

H, MIN, D = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)


def _delayed(session: Session, store: m.Store, place: m.Location, n: int) -> list[m.Order]:
    return [
        add(
            session,
            m.Order,
            store_id=store.id,
            location_id=place.id,
            placed_at=NOW - 3 * D,
            ship_by=NOW - 5 * H,
        )
        for _ in range(n)
    ]


def test_delayed_orders_per_warehouse_at_the_threshold_boundaries(session: Session) -> None:
    clock = FrozenClock(NOW)
    store = add(session, m.Store)
    counts = {"North": 4, "East": 5, "South": 14, "West": 15}
    places = {name: add(session, m.Location, store_id=store.id, name=name) for name in counts}
    for name, n in counts.items():
        _delayed(session, store, places[name], n)
        # On time: must not count.
        add(session, m.Order, store_id=store.id, location_id=places[name].id, placed_at=NOW, ship_by=NOW + D)
    rule = make_rule(
        session,
        clock,
        key="per_wh",
        kind="metric",
        entity="orders",
        expression="is_delayed",
        aggregate="count",
        group_by="location.name",
        thresholds={"warning": 5, "critical": 15},
    )
    run(session, clock, rule)
    found = by_key(session, rule)
    expected = {
        name: severity_for(float(n), {"warning": 5, "critical": 15}, ">=") for name, n in counts.items()
    }
    assert expected == {"North": None, "East": "warning", "South": "warning", "West": "critical"}
    assert {k: d.severity for k, d in found.items()} == {k: v for k, v in expected.items() if v}
    assert {k: d.value for k, d in found.items()} == {k: float(counts[k]) for k in found}

    _delayed(session, store, places["North"], 1)  # 4 -> 5: now a warning
    _delayed(session, store, places["South"], 1)  # 14 -> 15: warning rises to critical, which alerts again
    clock.advance(MIN)
    run(session, clock, rule)
    found = by_key(session, rule)
    assert (found["North"].severity, found["South"].severity, found["South"].alert_count) == (
        "warning",
        "critical",
        2,
    )
    assert len(detections(session, rule)) == 4


def test_a_template_gives_each_warehouse_its_own_thresholds(session: Session) -> None:
    clock = FrozenClock(NOW)
    store = add(session, m.Store)
    big, small = (add(session, m.Location, store_id=store.id, name=n) for n in ("Big", "Small"))
    _delayed(session, store, big, 9)
    _delayed(session, store, small, 3)
    rule = make_rule(
        session,
        clock,
        key="per_wh_tpl",
        kind="metric",
        entity="orders",
        expression="is_delayed",
        aggregate="count",
        template_field="location.name",
        thresholds={"warning": 5},
        template_instances=[
            {"value": "Big", "thresholds": {"warning": 10, "critical": 30}},
            {"value": "Small", "thresholds": {"warning": 3, "critical": 6}},
        ],
    )
    run(session, clock, rule)
    assert {k: d.severity for k, d in by_key(session, rule).items()} == {"Small": "warning"}


def test_a_record_template_has_a_threshold_per_carrier(session: Session) -> None:
    clock = FrozenClock(NOW)
    store = add(session, m.Store)
    order = add(session, m.Order, store_id=store.id, placed_at=NOW - 10 * D)
    made = {}
    for carrier, silent in (("UPS", 50), ("UPS", 40), ("DHL", 50), ("DHL", 80), ("GLS", 200)):
        made[(carrier, silent)] = add(
            session,
            m.Shipment,
            order_id=order.id,
            carrier=carrier,
            status="in_transit",
            shipped_at=NOW - 10 * D,
            last_event_at=NOW - silent * H,
        )
    rule = make_rule(
        session,
        clock,
        key="silent",
        kind="time",
        entity="shipments",
        expression="delivered_at IS NULL AND hours_since_last_scan > {hours}",
        template_field="carrier",
        template_instances=[
            {"value": "UPS", "params": {"hours": 48}},
            {"value": "DHL", "params": {"hours": 72}},
        ],
    )
    run(session, clock, rule)
    fired = {d.record_id for d in detections(session, rule)}
    assert fired == {made[("UPS", 50)].id, made[("DHL", 80)].id}  # GLS has no instance: not watched


def _escalations(session: Session, store: m.Store, category: str, n: int, created: object) -> None:
    for _ in range(n):
        add(
            session,
            m.Ticket,
            store_id=store.id,
            category=category,
            status="open",
            is_escalated=True,
            created_at=created,
            escalated_at=created,
        )


def test_three_similar_detections_in_the_window_are_one_systemic_detection(session: Session) -> None:
    clock = FrozenClock(NOW)
    store = add(session, m.Store)
    _escalations(session, store, "wismo", 3, NOW - H)
    _escalations(session, store, "damaged", 2, NOW - H)
    source = make_rule(
        session, clock, key="esc", kind="record", entity="tickets", expression="is_open AND is_escalated"
    )
    pattern = make_rule(
        session,
        clock,
        key="same3",
        kind="pattern",
        entity="tickets",
        source_rule_key="esc",
        pattern_field="category",
        window_hours=48,
        thresholds={"warning": 3, "critical": 10},
    )
    run(session, clock, pattern, source)  # the evaluator runs sources before patterns
    assert len(detections(session, source)) == 5
    found = by_key(session, pattern)
    assert list(found) == ["wismo"]
    assert (found["wismo"].severity, found["wismo"].value, found["wismo"].details["count"]) == (
        "warning",
        3.0,
        3,
    )

    _escalations(session, store, "damaged", 1, NOW)  # 2 -> 3: at the threshold
    clock.advance(MIN)
    run(session, clock, source, pattern)
    assert sorted(by_key(session, pattern)) == ["damaged", "wismo"]

    clock.advance(49 * H)  # the source detections are older than the window: the pattern is over
    run(session, clock, source, pattern)
    assert {d.status for d in detections(session, pattern)} == {"resolved"}


def test_business_minutes_sla_counts_only_open_hours(session: Session) -> None:
    # Open Mon-Fri 09:00-17:00 UTC. A ticket written Friday 16:30 has used 30 minutes by closing time.
    hours = {day: [(time(9), time(17))] for day in range(1, 6)}
    calendar = BusinessCalendar(timezone="UTC", hours=hours)
    friday_1630 = NOW.replace(day=19, hour=16, minute=30)
    monday = NOW.replace(day=22, hour=9, minute=0)
    assert calendar.breach_cutoff(monday + 29 * MIN, 60) < friday_1630
    assert calendar.breach_cutoff(monday + 31 * MIN, 60) > friday_1630
    assert calendar.breach_cutoff(monday + 30 * MIN, 60) == friday_1630


def test_an_sla_rule_breaches_after_business_minutes_and_honours_holidays(session: Session) -> None:
    store = add(session, m.Store, timezone="UTC")
    for day in range(1, 6):
        add(session, m.BusinessHours, store_id=store.id, weekday=day, opens=time(9), closes=time(17))
    add(
        session,
        m.CalendarEvent,
        store_id=store.id,
        kind="holiday",
        name="Bank holiday",
        starts_on=date(2026, 6, 22),
        ends_on=date(2026, 6, 22),
    )
    friday_1630 = NOW.replace(day=19, hour=16, minute=30)
    ticket = add(
        session, m.Ticket, store_id=store.id, status="open", priority="normal", created_at=friday_1630
    )
    clock = FrozenClock(NOW.replace(day=22, hour=12))  # Monday, a holiday: 30 business minutes used
    rule = make_rule(
        session,
        clock,
        key="frt",
        kind="time",
        entity="tickets",
        expression="is_open AND first_response_at IS NULL",
        sla_field="created_at",
        sla_business_minutes=60,
    )
    run(session, clock, rule)
    assert detections(session, rule) == []
    clock.current = NOW.replace(day=23, hour=9, minute=29)  # Tuesday: 59 minutes
    run(session, clock, rule)
    assert detections(session, rule) == []
    clock.current = NOW.replace(day=23, hour=9, minute=31)
    run(session, clock, rule)
    assert [d.record_id for d in detections(session, rule)] == [ticket.id]


def test_a_business_hours_only_rule_says_it_did_not_run_outside_hours(session: Session) -> None:
    store = add(session, m.Store, timezone="UTC")
    for day in range(1, 6):
        add(session, m.BusinessHours, store_id=store.id, weekday=day, opens=time(9), closes=time(17))
    order = add(session, m.Order, store_id=store.id, placed_at=NOW)
    add(session, m.Refund, order_id=order.id, amount=Decimal("150"), requested_at=NOW)
    clock = FrozenClock(NOW.replace(day=20, hour=11))  # Saturday
    rule = make_rule(
        session,
        clock,
        key="refund",
        kind="record",
        entity="refunds",
        expression="is_pending AND amount > 100",
        active_when="business_hours",
    )
    (evaluation,) = run(session, clock, rule)
    assert detections(session, rule) == []
    assert evaluation.error is None
    assert "not active now (business_hours)" in (evaluation.note or "")
    clock.current = NOW.replace(day=22, hour=11)  # Monday
    run(session, clock, rule)
    assert len(detections(session, rule)) == 1


def test_an_sla_rule_and_the_tiles_agree_on_past_sla_to_the_microsecond(session: Session) -> None:
    # Open Mon-Fri 09:00-17:00 UTC. At Monday 09:30 a ticket from Friday 16:30 has waited exactly 60
    # business minutes: not past a 60-minute SLA. One a microsecond older is past it, one a microsecond
    # newer is not.
    store = add(session, m.Store, timezone="UTC")
    for day in range(1, 6):
        add(session, m.BusinessHours, store_id=store.id, weekday=day, opens=time(9), closes=time(17))
    friday_1630 = NOW.replace(day=19, hour=16, minute=30)
    micro = timedelta(microseconds=1)
    created = [friday_1630 - micro, friday_1630, friday_1630 + micro]
    tickets = [
        add(session, m.Ticket, store_id=store.id, status="open", priority="normal", created_at=moment)
        for moment in created
    ]
    clock = FrozenClock(NOW.replace(day=22, hour=9, minute=30))
    rule = make_rule(
        session,
        clock,
        key="frt",
        kind="time",
        entity="tickets",
        expression="is_open AND first_response_at IS NULL",
        sla_field="created_at",
        sla_business_minutes=60,
    )
    run(session, clock, rule)
    assert [d.record_id for d in detections(session, rule)] == [tickets[0].id]
    # The CX tile judges each ticket in Python; it finds the same one.
    stats = sla.sla_stats(
        store_calendar(session=session, store=store),
        created=to_micros(created),
        first_response=to_micros([None, None, None]),
        resolved=to_micros([None, None, None]),
        first_response_limits=sla.first_response_limits(["normal"] * 3, 15, 60),
        resolution_minutes=10_000,
        as_of=to_micros([clock.current])[0],
    )
    assert stats.first_response_breaches == 1


def test_a_promotion_only_rule_runs_on_the_promotions_local_dates(session: Session) -> None:
    store = add(session, m.Store, timezone="America/New_York")
    add(
        session,
        m.CalendarEvent,
        store_id=store.id,
        kind="promotion",
        name="Summer Sale",
        starts_on=date(2026, 6, 22),
        ends_on=date(2026, 6, 23),
    )
    order = add(session, m.Order, store_id=store.id, placed_at=NOW)
    add(session, m.Refund, order_id=order.id, amount=Decimal("150"), requested_at=NOW)
    # 03:00 UTC on Monday the 22nd is still Sunday evening in New York: no promotion yet.
    clock = FrozenClock(NOW.replace(day=22, hour=3))
    rule = make_rule(
        session,
        clock,
        key="refund",
        kind="record",
        entity="refunds",
        expression="is_pending AND amount > 100",
        active_when="promotion",
    )
    (evaluation,) = run(session, clock, rule)
    assert detections(session, rule) == []
    assert "not active now (promotion)" in (evaluation.note or "")
    clock.current = NOW.replace(day=22, hour=5)  # 01:00 Monday in New York
    run(session, clock, rule)
    assert len(detections(session, rule)) == 1
