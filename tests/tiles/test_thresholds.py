"""The threshold registry: documented, ordered, changed only by validated and audited updates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.auth.models import AuditEntry, Role, User
from hotdash.kernel.tunables import BY_KEY, ORDERED, REGISTRY, TunableError, load_tunables
from hotdash.tiles.service import reset_threshold, set_threshold

DOC = Path(__file__).resolve().parents[2] / "docs" / "thresholds.md"
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


def _manager(session: Session) -> User:
    user = User(
        email="dana@example.com",
        name="Dana",
        password_hash="x",
        role=Role.manager.value,
        is_active=True,
        created_at=NOW,
    )
    session.add(user)
    session.flush()
    return user


def test_every_threshold_is_documented_with_its_default() -> None:
    text = DOC.read_text()
    for spec in REGISTRY:
        row = re.search(rf"^\| `{re.escape(spec.key)}` \|(.*)$", text, re.MULTILINE)
        assert row is not None, f"{spec.key} is missing from docs/thresholds.md"
        assert f"| {spec.default:g} |" in row.group(0), f"{spec.key}: documented default differs"


def test_defaults_are_the_guides_values() -> None:
    # The guide: escalations normal 10-20/day, high 30-50, critical > 50; delayed orders 1-5 monitor, 5-15
    # investigate, > 15 critical; outreach > 24 h, compensation > 48 h, refund offer > 72 h; P0 < 3 days,
    # P1 3-7 days; traffic drop > 20%; coaching < 80% of target; refunds > $100 approval, > $500 personal.
    expected = {
        "cx.escalations_normal_max": 20,
        "cx.escalations_high_min": 30,
        "cx.escalations_critical_above": 50,
        "fulfillment.investigate_min": 5,
        "fulfillment.critical_above": 15,
        "fulfillment.outreach_hours": 24,
        "fulfillment.compensation_hours": 48,
        "fulfillment.refund_offer_hours": 72,
        "inventory.p0_cover_days": 3,
        "inventory.p1_cover_days": 7,
        "seo.traffic_drop_pct": 20,
        "team.coaching_pct": 80,
        "cx.refund_approval_above": 100,
        "cx.high_value_above": 500,
        "cx.urgent_first_response_minutes": 15,
    }
    assert {key: BY_KEY[key].default for key in expected} == expected


def test_defaults_respect_their_own_ordering() -> None:
    for chain in ORDERED:
        values = [BY_KEY[key].default for key in chain]
        assert values == sorted(values), chain


def test_a_change_is_applied_and_audited_with_before_and_after(sqlite_session: Session) -> None:
    manager = _manager(sqlite_session)
    thresholds = set_threshold(
        session=sqlite_session, key="fulfillment.critical_above", value=40, actor=manager, now=NOW
    )
    assert thresholds["fulfillment.critical_above"] == 40
    assert load_tunables(session=sqlite_session)["fulfillment.critical_above"] == 40
    entry = sqlite_session.scalars(select(AuditEntry)).one()
    assert (entry.actor_id, entry.action, entry.entity_key) == (
        manager.id,
        "threshold.update",
        "fulfillment.critical_above",
    )
    assert (entry.before, entry.after) == ({"value": 15}, {"value": 40})
    reset_threshold(session=sqlite_session, key="fulfillment.critical_above", actor=manager, now=NOW)
    assert load_tunables(session=sqlite_session)["fulfillment.critical_above"] == 15
    assert len(sqlite_session.scalars(select(AuditEntry)).all()) == 2


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("fulfillment.critical_above", 3, "cannot exceed"),  # below investigate_min (5)
        ("fulfillment.critical_above", 2.5, "whole number"),
        ("seo.traffic_drop_pct", 150, "between 0 and 100"),
        (
            "no.such_threshold",
            1,
            r"^unknown tunable .no\.such_threshold.: the thresholds page, /settings/thresholds, lists them$",
        ),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(
    sqlite_session: Session, key: str, value: float, message: str
) -> None:
    manager = _manager(sqlite_session)
    with pytest.raises(TunableError, match=message):
        set_threshold(session=sqlite_session, key=key, value=value, actor=manager, now=NOW)
    assert load_tunables(session=sqlite_session)["fulfillment.critical_above"] == 15
    assert sqlite_session.scalars(select(AuditEntry)).all() == []
