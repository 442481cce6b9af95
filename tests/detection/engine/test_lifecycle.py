"""A detection's life as the clock moves: fire with no new data, dedupe, re-alert, resolve, snooze, mute."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection import detections as actions
from hotdash.detection.models import Detection, DetectionNote, RuleEvaluation
from hotdash.store import models as m
from tests.detection.engine.helpers import NOW, by_key, detections, make_rule, run
from tests.tiles.builders import add

H, MIN = timedelta(hours=1), timedelta(minutes=1)


def _orders(session: Session) -> tuple[m.Store, m.Order, m.Order]:
    store = add(session, m.Store)
    late_soon = add(
        session, m.Order, store_id=store.id, placed_at=NOW - 24 * H, ship_by=NOW + 2 * H, total=Decimal("90")
    )
    on_time = add(
        session,
        m.Order,
        store_id=store.id,
        placed_at=NOW - 24 * H,
        ship_by=NOW + 200 * H,
        total=Decimal("90"),
    )
    return store, late_soon, on_time


def test_a_time_rule_fires_when_time_passes_with_no_new_data_then_resolves_with_its_time(
    session: Session,
) -> None:
    clock = FrozenClock(NOW)
    _, late, on_time = _orders(session)
    rule = make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    run(session, clock, rule)
    assert detections(session, rule) == []

    clock.advance(27 * H)  # 25 h past ship-by: nothing was ingested, only the clock moved
    fired_at = clock.now()
    run(session, clock, rule)
    (found,) = detections(session, rule)
    assert (found.record_id, found.status, found.first_seen, found.last_alerted) == (
        late.id,
        "open",
        fired_at,
        fired_at,
    )

    clock.advance(5 * MIN)
    run(session, clock, rule)
    (again,) = detections(session, rule)
    assert again.id == found.id
    assert again.first_seen == fired_at
    assert actions.get_detection(session=session, detection_id=again.id).last_seen == clock.now()
    assert again.alert_count == 1

    late.fulfillment_status = "delivered"
    session.flush()
    clock.advance(3 * MIN)
    run(session, clock, rule)
    (resolved,) = detections(session, rule)
    assert (resolved.status, resolved.resolved_at) == ("resolved", clock.now())
    assert on_time.id not in {d.record_id for d in detections(session, rule)}


def test_the_same_problem_is_one_detection_for_its_whole_life(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    _, late, _ = _orders(session)
    rule = make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    for status in ("unfulfilled", "delivered", "unfulfilled", "unfulfilled", "delivered", "unfulfilled"):
        late.fulfillment_status = status
        session.flush()
        run(session, clock, rule)
        clock.advance(MIN)
    rows = detections(session, rule)
    assert len(rows) == 1
    assert (rows[0].status, rows[0].times_opened, rows[0].alert_count) == ("open", 3, 3)
    total = session.scalar(select(func.count()).select_from(Detection).where(Detection.rule_id == rule.id))
    assert total == 1


def test_re_alert_after_the_interval_and_not_before(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    _orders(session)
    rule = make_rule(
        session,
        clock,
        key="late",
        kind="time",
        entity="orders",
        expression="delay_hours > 24",
        realert_minutes=60,
    )
    run(session, clock, rule)
    first = clock.now()
    clock.advance(59 * MIN)
    (evaluation,) = run(session, clock, rule)
    (found,) = detections(session, rule)
    assert (found.alert_count, found.last_alerted, evaluation.realerted) == (1, first, 0)
    clock.advance(MIN)
    (evaluation,) = run(session, clock, rule)
    (found,) = detections(session, rule)
    assert (found.alert_count, found.last_alerted, evaluation.realerted) == (2, clock.now(), 1)


def test_snooze_silences_until_its_end_then_the_detection_is_open_and_alerts(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    _orders(session)
    rule = make_rule(
        session,
        clock,
        key="late",
        kind="time",
        entity="orders",
        expression="delay_hours > 24",
        realert_minutes=10,
    )
    run(session, clock, rule)
    (found,) = detections(session, rule)
    actions.snooze(session=session, detection_id=found.id, now=clock.now(), actor=None, minutes=30)
    for _ in range(2):
        clock.advance(14 * MIN)  # re-alert interval passes twice while snoozed: still silent
        run(session, clock, rule)
    (snoozed,) = detections(session, rule)
    assert (snoozed.status, snoozed.alert_count) == ("snoozed", 1)
    clock.advance(2 * MIN)  # 30 minutes after snoozing
    run(session, clock, rule)
    (woken,) = detections(session, rule)
    assert (woken.status, woken.snoozed_until, woken.alert_count, woken.last_alerted) == (
        "open",
        None,
        2,
        clock.now(),
    )


def test_a_snoozed_detection_whose_condition_clears_is_resolved(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    _, late, _ = _orders(session)
    rule = make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    run(session, clock, rule)
    (found,) = detections(session, rule)
    actions.snooze(session=session, detection_id=found.id, now=clock.now(), actor=None, minutes=60)
    late.fulfillment_status = "delivered"
    session.flush()
    clock.advance(MIN)
    run(session, clock, rule)
    (done,) = detections(session, rule)
    assert (done.status, done.resolved_at, done.snoozed_until) == ("resolved", clock.now(), None)


def test_mute_holds_through_resolve_and_refire_until_it_ends(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    _, late, _ = _orders(session)
    rule = make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    run(session, clock, rule)
    (found,) = detections(session, rule)
    actions.mute(session=session, detection_id=found.id, now=clock.now(), actor=None, minutes=120)
    for status in ("delivered", "unfulfilled"):  # clears, then fires again: within the mute, no alert
        late.fulfillment_status = status
        session.flush()
        clock.advance(10 * MIN)
        run(session, clock, rule)
    (muted,) = detections(session, rule)
    assert (muted.status, muted.alert_count, muted.times_opened) == ("muted", 1, 2)
    clock.advance(100 * MIN)  # 120 minutes after muting
    run(session, clock, rule)
    (back,) = detections(session, rule)
    assert (back.status, back.alert_count, back.last_alerted) == ("open", 2, clock.now())


def test_notes_survive_re_evaluation_resolution_and_re_opening(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    _, late, _ = _orders(session)
    rule = make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    run(session, clock, rule)
    (found,) = detections(session, rule)
    actions.add_note(
        session=session, detection_id=found.id, text="Called the warehouse", actor=None, now=clock.now()
    )
    for status in ("unfulfilled", "delivered", "unfulfilled"):
        late.fulfillment_status = status
        session.flush()
        clock.advance(MIN)
        run(session, clock, rule)
    shown = actions.get_detection(session=session, detection_id=found.id)
    assert shown.status == "open"
    assert shown.times_opened == 2
    assert [n.text for n in shown.notes] == ["Called the warehouse"]
    assert session.scalar(select(func.count()).select_from(DetectionNote)) == 1


def test_a_rule_that_errors_is_marked_broken_and_logged_and_the_others_still_run(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    _orders(session)
    good = make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    bad = make_rule(session, clock, key="bad", kind="time", entity="orders", expression="delay_hours > 1")
    bad.expression = "delay_hourz > 1"  # as if edited behind the service's back, or the language changed
    bad.version += 1
    session.flush()
    results = {e.rule_id: e for e in run(session, clock, bad, good)}
    assert bad.broken
    assert "delay_hourz" in (bad.last_error or "")
    assert results[bad.id].error is not None
    assert "delay_hourz" in results[bad.id].error
    assert results[good.id].error is None
    assert results[good.id].opened == 1
    assert len(detections(session, good)) == 1
    logged = session.scalars(select(RuleEvaluation).where(RuleEvaluation.rule_id == bad.id)).all()
    assert [e.error is not None for e in logged] == [True]
    bad.expression = "delay_hours > 1"
    bad.version += 1
    session.flush()
    run(session, clock, bad)
    assert not bad.broken
    assert bad.last_error is None


def test_detections_of_one_store_are_not_resolved_by_another_stores_evaluation(session: Session) -> None:
    clock = FrozenClock(NOW + 30 * H)
    first, _, _ = _orders(session)
    second, _, _ = _orders(session)
    rule = make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    run(session, clock, rule)
    assert {d.store_id for d in detections(session, rule)} == {first.id, second.id}
    clock.advance(MIN)
    run(session, clock, rule, store_id=first.id)
    assert {d.status for d in detections(session, rule)} == {"open"}
    assert len(by_key(session, rule)) == 2
