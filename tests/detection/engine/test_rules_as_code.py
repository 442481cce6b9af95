"""Rules as code: versions with author and diff, YAML round trip, errors at the line, the default pack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection import rulefile, service
from hotdash.detection.backtest import backtest
from hotdash.detection.defaults import DEFAULT_RULES, install_defaults
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.models import Rule, RuleVersion
from hotdash.detection.scheduler.jobs import run_cycle
from hotdash.store import models as m
from tests.detection.engine.helpers import NOW, detections, make_rule
from tests.tiles.builders import add

H, D = timedelta(hours=1), timedelta(days=1)


def test_every_change_is_a_version_with_author_and_diff(session: Session) -> None:
    clock = FrozenClock(NOW)
    make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    service.update_rule(
        session=session,
        key="late",
        changes={"expression": "delay_hours > 48"},
        actor=None,
        now=NOW,
        author="ana",
    )
    service.update_rule(
        session=session, key="late", changes={"expression": "delay_hours > 48"}, actor=None, now=NOW
    )
    service.set_enabled(session=session, key="late", enabled=False, actor=None, now=NOW, author="bo")
    rule = service.get_rule(session=session, key="late")
    newest, middle, first = service.versions(session=session, rule=rule)
    assert (rule.version, newest.version, first.version) == (3, 3, 1)  # the no-op change made no version
    assert middle.author_label == "ana"
    assert middle.diff == {"expression": ["delay_hours > 24", "delay_hours > 48"]}
    assert newest.diff == {"enabled": [True, False]}
    assert newest.definition["expression"] == "delay_hours > 48"


def test_an_invalid_change_is_refused_with_the_position_and_nothing_changes(session: Session) -> None:
    clock = FrozenClock(NOW)
    make_rule(session, clock, key="late", kind="time", entity="orders", expression="delay_hours > 24")
    with pytest.raises(service.RuleInvalid) as refused:
        service.update_rule(
            session=session, key="late", changes={"expression": "delay_hour > 48"}, actor=None, now=NOW
        )
    (problem,) = refused.value.problems
    assert problem.field == "expression"
    assert problem.column == 1
    assert "delay_hours" in problem.message
    assert service.get_rule(session=session, key="late").expression == "delay_hours > 24"
    assert session.scalar(select(func.count()).select_from(RuleVersion)) == 1


GOOD = """\
rules:
  - key: orders.late
    name: Late orders
    kind: time
    entity: orders
    expression: delay_hours > 24
  - key: wh.delayed
    name: Delayed per warehouse
    kind: metric
    entity: orders
    expression: is_delayed
    aggregate: count
    group_by: location.name
    thresholds: {warning: 5, critical: 15}
"""


def test_yaml_export_and_import_round_trip(session: Session) -> None:
    result = rulefile.import_rules(session=session, text=GOOD, actor=None, now=NOW, author="file")
    assert (result.created, result.updated) == (["orders.late", "wh.delayed"], [])
    exported = rulefile.export_rules(service.list_rules(session=session))
    again = rulefile.import_rules(session=session, text=exported, actor=None, now=NOW)
    assert (again.created, again.updated, again.unchanged) == ([], [], ["orders.late", "wh.delayed"])
    changed = exported.replace("delay_hours > 24", "delay_hours > 36")
    third = rulefile.import_rules(session=session, text=changed, actor=None, now=NOW)
    assert third.updated == ["orders.late"]
    assert service.get_rule(session=session, key="orders.late").version == 2


def test_yaml_errors_point_to_the_line_and_change_nothing(session: Session) -> None:
    bad = GOOD.replace("thresholds: {warning: 5, critical: 15}", "thresholds: {warning: five}").replace(
        "expression: delay_hours > 24", "expression: delay_hourz > 24"
    )
    with pytest.raises(rulefile.RuleFileInvalid) as shape:
        rulefile.import_rules(session=session, text=bad, actor=None, now=NOW)
    (error,) = shape.value.errors  # the shape is checked first: the expression only after
    assert error.line == 14
    assert error.rule == "wh.delayed"
    assert error.field.startswith("thresholds")
    with pytest.raises(rulefile.RuleFileInvalid) as expression:
        rulefile.import_rules(
            session=session, text=GOOD.replace("delay_hours > 24", "delay_hourz > 24"), actor=None, now=NOW
        )
    (error,) = expression.value.errors
    assert (error.line, error.rule, error.field) == (6, "orders.late", "expression")
    assert "delay_hours" in error.message
    assert session.scalar(select(func.count()).select_from(Rule)) == 0
    with pytest.raises(rulefile.RuleFileInvalid) as syntax:
        rulefile.parse("rules:\n  - key: a\n    name: [unclosed\n")
    assert syntax.value.errors[0].line >= 3


def test_the_default_pack_installs_once_compiles_and_runs(session: Session) -> None:
    store = add(session, m.Store)
    add(session, m.Order, store_id=store.id, placed_at=NOW - 5 * D, ship_by=NOW - 80 * H)
    added = install_defaults(session=session, now=NOW)
    assert len(added) == len(DEFAULT_RULES) >= 20
    assert install_defaults(session=session, now=NOW) == []
    results = run_cycle(session=session, evaluator=Evaluator(FrozenClock(NOW)), trigger="manual")
    assert [e.error for e in results if e.error] == []
    late = service.get_rule(session=session, key="orders.delayed_72h")
    assert len(detections(session, late)) == 1
    guide = {
        "orders.delayed_24h",
        "inventory.stockout_p0",
        "cx.escalation_volume",
        "cx.same_issue_3x",
        "seo.traffic_drop",
        "cx.refund_needs_approval",
        "cx.refund_needs_manager",
        "team.below_target",
        "cx.legal_regulatory_threat",
        "cx.first_response_sla",
    }
    assert guide <= set(added)


def test_backtest_counts_firings_per_day_as_time_passes(session: Session) -> None:
    store = add(session, m.Store)
    # Ship-by 10, 5 and 2 days ago: each order crosses "72 h late" on a known day.
    for days in (10, 5, 2):
        add(session, m.Order, store_id=store.id, placed_at=NOW - 20 * D, ship_by=NOW - days * D)
    rule = make_rule(
        session, FrozenClock(NOW), key="late72", kind="time", entity="orders", expression="delay_hours > 72"
    )
    result = backtest(session=session, rule=rule, now=NOW, days=30, step_hours=6)
    crossings = sorted((NOW - days * D + 72 * H).date() for days in (10, 5))
    assert result.fired == 2
    assert sorted(result.per_day) == crossings
    assert result.matching_at_start == 0
    assert result.matching_now == 2
