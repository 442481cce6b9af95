"""Backtest: how often a rule would have fired over a past period, by day, with sample records.

The rule is run "as of" past instants by moving its clock: every clock-derived field (delay, age, hours
since the last scan, SLA cutoffs, windows) is computed for that instant. The records themselves are as
stored now (HotDash keeps no history of each record's states), so a status that has since changed, e.g. an
order delivered today, reads as it is now: the backtest shows what the rule finds in today's data replayed
through time, which is what tells an operator whether the condition is too loose or too tight.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.lifecycle import Match
from hotdash.detection.models import Rule
from hotdash.detection.schemas import RuleSpec
from hotdash.store.models import Store


@dataclass
class Backtest:
    """What a rule would have done: firings in total and per day, and the first few matches."""

    rule_key: str
    since: datetime
    until: datetime
    step_hours: float
    instants: int = 0
    fired: int = 0
    per_day: dict[date, int] = field(default_factory=dict)
    samples: list[Match] = field(default_factory=list)
    matching_at_start: int = 0  # already matching at the first instant: not counted as firings
    matching_now: int = 0


def transient_rule(spec: RuleSpec) -> Rule:
    """Return an unsaved Rule for a definition, to backtest or preview before saving it."""
    rule = Rule(**spec.definition())
    rule.id = -1
    rule.version = 0
    return rule


def backtest(
    *, session: Session, rule: Rule, now: datetime, days: float = 30, step_hours: float = 6, samples: int = 5
) -> Backtest:
    """Replay `rule` every `step_hours` over the last `days` days; a firing is a key starting to match."""
    since = now - timedelta(days=days)
    result = Backtest(rule.key, since, now, step_hours)
    clock = FrozenClock(since)
    evaluator = Evaluator(clock)
    stores = list(session.scalars(select(Store).order_by(Store.id)))
    previous: set[tuple[int, str]] = set()
    per_day: Counter[date] = Counter()
    moment = since
    while moment <= now:
        clock.current = moment
        current: set[tuple[int, str]] = set()
        for store in stores:
            found = evaluator.matches(session=session, rule=rule, store=store)
            for key, match in found.items():
                current.add((store.id, key))
                if result.instants > 0 and (store.id, key) not in previous:
                    per_day[moment.date()] += 1
                    if len(result.samples) < samples:
                        result.samples.append(match)
        if result.instants == 0:
            result.matching_at_start = len(current)
        result.instants += 1
        previous = current
        moment += timedelta(hours=step_hours)
    result.fired = sum(per_day.values())
    result.per_day = dict(sorted(per_day.items()))
    result.matching_now = len(previous)
    return result
