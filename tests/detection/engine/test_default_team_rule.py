"""The default coaching rule judges whom the Team tile judges: active support operators with enough work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.detection.defaults import DEFAULT_RULES
from hotdash.detection.expression import compile_rule
from hotdash.store import models as m
from tests.tiles.builders import add

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


def member(session: Session, store: m.Store, name: str, role: str, tickets: int, quality: str) -> int:
    person = add(session, m.TeamMember, store_id=store.id, name=name, role=role,
                 target_quality=Decimal("0.90"), target_tickets_per_day=1)  # fmt: skip
    for n in range(tickets):
        add(session, m.Ticket, store_id=store.id, assignee_id=person.id, quality_score=Decimal(quality),
            created_at=NOW - timedelta(hours=3 + 12 * n))  # fmt: skip
    return person.id


def test_only_operators_with_ten_tickets_in_a_week_are_judged(session: Session) -> None:
    store = add(session, m.Store)
    # Quality 0.60 against a 0.90 target is 67%: below the 80% line for all three.
    judged = member(session, store, "Ana", "support", tickets=10, quality="0.60")
    member(session, store, "Ben", "support", tickets=9, quality="0.60")  # too few tickets to judge
    member(session, store, "Cy", "sales", tickets=12, quality="0.60")  # not a support operator
    member(session, store, "Di", "support", tickets=12, quality="0.80")  # 89%: on the right side
    rule = next(r for r in DEFAULT_RULES if r["key"] == "team.below_target")
    compiled = compile_rule("team_members", str(rule["expression"]), clock=FrozenClock(NOW))
    assert compiled.select_ids(session, store_id=store.id) == [judged]
