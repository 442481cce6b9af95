"""The index-friendly conditions the evaluator adds never change what a rule selects, at the edges either."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection.expression import compile_rule
from hotdash.detection.hints import hints
from hotdash.kernel.tunables import LiveTunables, Tunables
from hotdash.store import models as m
from tests.detection.engine.helpers import NOW
from tests.tiles.builders import add

RULES = {
    "orders": [
        "delay_hours > 24",
        "delay_hours >= 24",
        "24 < delay_hours",
        "delay_hours > 0",
        "delay_hours >= 0",
        "delay_hours BETWEEN 24 AND 48",
        "is_delayed AND total > 5",
        "age_hours > 48 AND fulfillment_status = 'unfulfilled'",
        "delay_hours > 24 OR total > 5",  # no hint: OR
    ],
    "shipments": ["hours_since_last_scan > 72", "delivered_at IS NULL AND hours_since_last_scan >= 72"],
    "tickets": ["minutes_waiting > 30", "age_hours > 2 AND is_open"],
}


def _edges(session: Session) -> None:
    store = add(session, m.Store)
    exact = timedelta(hours=24)
    for offset in (
        exact,
        exact - timedelta(seconds=1),
        exact + timedelta(microseconds=400_000),
        exact + timedelta(seconds=1),
    ):
        for status in ("unfulfilled", "partial", "fulfilled", "delivered"):
            for cancelled in (None, NOW - timedelta(days=1)):
                add(
                    session,
                    m.Order,
                    store_id=store.id,
                    placed_at=NOW - offset - timedelta(hours=24),
                    ship_by=NOW - offset,
                    deliver_by=NOW - offset,
                    fulfillment_status=status,
                    cancelled_at=cancelled,
                    total=10,
                )
    add(session, m.Order, store_id=store.id, placed_at=NOW, ship_by=None, deliver_by=None)
    order = add(session, m.Order, store_id=store.id, placed_at=NOW - timedelta(days=9))
    for last, shipped in ((72, 80), (None, 72), (None, 73), (71.9, 100), (None, None)):
        add(
            session,
            m.Shipment,
            order_id=order.id,
            last_event_at=None if last is None else NOW - timedelta(hours=last),
            shipped_at=None if shipped is None else NOW - timedelta(hours=shipped),
        )
    for minutes, answered in ((30, False), (31, False), (29, False), (300, True)):
        add(
            session,
            m.Ticket,
            store_id=store.id,
            status="open",
            created_at=NOW - timedelta(minutes=minutes),
            first_response_at=NOW if answered else None,
        )


def test_hints_select_exactly_what_the_rule_selects(session: Session) -> None:
    _edges(session)
    clock = FrozenClock(NOW)
    hinted = 0
    for entity, rules in RULES.items():
        for text in rules:
            rule = compile_rule(entity, text, clock=clock)
            extra = hints(entity, text, clock)
            hinted += bool(extra)
            plain = set(session.scalars(select(rule.model.id).where(rule.where)))
            fast = set(session.scalars(select(rule.model.id).where(rule.where, *extra)))
            assert fast == plain, text
    assert hinted == 11  # all but "delay_hours >= 0" and the OR rule


def _delay_hours_by_hand(order: m.Order) -> float:
    """Hours past the promise in whole seconds, as the language counts them; 0 when not delayed."""
    promise = {"unfulfilled": order.ship_by, "partial": order.ship_by, "fulfilled": order.deliver_by}
    at = promise.get(order.fulfillment_status)
    if order.cancelled_at is not None or at is None or at >= NOW:
        return 0.0
    return (int(NOW.timestamp()) - int(at.timestamp())) / 3600


def test_a_hint_on_a_tunable_reads_its_value_when_the_rule_runs(session: Session) -> None:
    _edges(session)
    clock, live = FrozenClock(NOW), LiveTunables()
    text = "delay_hours > tunable('fulfillment.outreach_hours')"
    rule = compile_rule("orders", text, clock=clock, tunables=live)
    extra = hints("orders", text, clock, live)
    assert len(extra) == 1
    orders = list(session.scalars(select(m.Order)))
    found = []
    for hours in (24.0, 0.0, 23.9999, 48.0):
        live.values = Tunables({"fulfillment.outreach_hours": hours})
        plain = set(session.scalars(select(rule.model.id).where(rule.where)))
        fast = set(session.scalars(select(rule.model.id).where(rule.where, *extra)))
        assert fast == plain == {o.id for o in orders if _delay_hours_by_hand(o) > hours}, hours
        found.append(len(plain))
    # Three live statuses at each of four offsets around 24 h: above 24 are 24 h + 1 s and 24 h + 0.4 s (its
    # promise falls 0.6 s into a second, so whole seconds count 24 h + 1 s); above 0 all four.
    assert found == [6, 12, 9, 0]
