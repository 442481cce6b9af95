"""Team Performance on hand-made operators, tickets and sales whose metrics are known by construction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotdash.db.session import session_factory
from hotdash.kernel.tunables import Tunables
from hotdash.store import models as m
from hotdash.store.demo.service import DemoReport
from hotdash.store.rollups import refresh_rollups
from hotdash.tiles import team
from hotdash.tiles.context import make_context
from hotdash.tiles.schemas import Status, TileException, TileResult
from hotdash.tiles.windows import WindowName
from tests.store.demo_fixtures import DEMO_NOW, build_demo
from tests.tiles.builders import add

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 17, 11, 30, tzinfo=NY)  # a Wednesday
# The 7 whole days before today: Wed 10 June to Tue 16 June. Monday the 15th is a holiday, and the store is
# closed at weekends, so a Monday-to-Friday operator had 4 working days.
WORKING_DAYS = [date(2026, 6, 10), date(2026, 6, 11), date(2026, 6, 12), date(2026, 6, 16)]
MINUTE = timedelta(minutes=1)


@dataclass
class Team:
    store: m.Store
    ana: m.TeamMember
    ben: m.TeamMember
    cal: m.TeamMember
    dee: m.TeamMember


def handled(
    session: Session,
    store: m.Store,
    who: m.TeamMember,
    count: int,
    reply: timedelta,
    escalated: int = 0,
    csat: list[int] | None = None,
    quality: str = "0.99",
) -> None:
    """`count` tickets spread over the working days, each answered after `reply` of business time."""
    for i in range(count):
        created = datetime.combine(WORKING_DAYS[i % len(WORKING_DAYS)], time(10), NY) + i * MINUTE
        add(
            session,
            m.Ticket,
            store_id=store.id,
            assignee_id=who.id,
            created_at=created,
            first_response_at=created + reply,
            status="solved",
            resolved_at=created + reply + MINUTE,
            is_escalated=i < escalated,
            escalated_at=created + MINUTE if i < escalated else None,
            csat=csat[i] if csat and i < len(csat) else None,
            quality_score=Decimal(quality),
        )


def crew(session: Session) -> Team:
    store = add(session, m.Store)
    for weekday in range(1, 6):
        add(session, m.BusinessHours, store_id=store.id, weekday=weekday, opens=time(9), closes=time(18))
    add(
        session,
        m.CalendarEvent,
        store_id=store.id,
        kind="holiday",
        starts_on=date(2026, 6, 15),
        ends_on=date(2026, 6, 15),
    )
    ana = add(
        session,
        m.TeamMember,
        store_id=store.id,
        name="Ana",
        target_first_response_minutes=Decimal(3),
        target_quality=Decimal("0.99"),
        target_csat=Decimal("4.8"),
        target_escalation_rate=Decimal("0.1"),
        target_tickets_per_day=10,
    )
    ben = add(session, m.TeamMember, store_id=store.id, name="Ben")  # no personal targets: the team's
    cal = add(session, m.TeamMember, store_id=store.id, name="Cal")
    dee = add(session, m.TeamMember, store_id=store.id, name="Dee")
    add(session, m.TeamMember, store_id=store.id, name="Gone", is_active=False)
    add(session, m.TeamMember, store_id=store.id, name="Lead", role="lead")
    # Ana: 40 tickets in 4 days (10/day), 3 minutes, 4 escalated (10%), CSAT 5: every target met.
    handled(session, store, ana, 40, 3 * MINUTE, escalated=4, csat=[5] * 10)
    # Ben: 3.75 minutes (exactly 80% of 3), 3 of 12 escalated (25%: 40% of the 10% target), CSAT 3.75.
    handled(session, store, ben, 12, timedelta(minutes=3, seconds=45), escalated=3, csat=[4, 4, 4, 3])
    # Dee: 20 tickets (5/day), 3 minutes, 2 escalated (10%), CSAT 5: on target except volume.
    handled(session, store, dee, 20, 3 * MINUTE, escalated=2, csat=[5] * 5)
    # Cal: 5 awful tickets, too few to judge.
    handled(session, store, cal, 5, 60 * MINUTE, escalated=5, csat=[1] * 5, quality="0.5")
    # A ticket created overnight and answered at 9:03 took 3 business minutes, not 11 hours.
    add(
        session,
        m.Ticket,
        store_id=store.id,
        assignee_id=ana.id,
        created_at=datetime(2026, 6, 11, 22, 0, tzinfo=NY),
        first_response_at=datetime(2026, 6, 12, 9, 3, tzinfo=NY),
        status="solved",
        quality_score=Decimal("0.99"),
    )
    return Team(store, ana, ben, cal, dee)


def compute(session: Session, store: m.Store, now: datetime = NOW, **overrides: float) -> TileResult:
    ctx = make_context(
        session=session, store=store, now=now, window=WindowName.today, thresholds=Tunables(overrides)
    )
    return team.compute(ctx)


def exception(result: TileResult, key: str) -> TileException | None:
    return next((e for e in result.exceptions if e.key == key), None)


def figure(result: TileResult, key: str) -> float | None:
    return next(f.value for f in result.figures if f.key == key)


def test_coaching_names_the_operator_and_the_metrics_under_80_percent(session: Session) -> None:
    t = crew(session)
    result = compute(session, t.store)
    ben = exception(result, f"coaching:{t.ben.id}")
    assert ben is not None
    assert ben.records[0].id == t.ben.id
    assert ben.detail == (
        "CSAT 3.75 vs target 4.80 (78.1% of target); Escalation rate 25.0% vs target 10.0% (40.0% of target)."
    )  # first response at exactly 80% is not coached; tickets per day is not judged (see below)
    assert exception(result, f"coaching:{t.ana.id}") is None
    assert exception(result, f"coaching:{t.cal.id}") is None  # 5 tickets: shown, not judged
    recognition = exception(result, "recognition")
    assert recognition is not None
    assert [r.id for r in recognition.records] == [t.ana.id, t.dee.id]
    assert result.status is Status.watch
    assert figure(result, "coaching") == 1


def test_metrics_against_targets_in_the_chart(session: Session) -> None:
    t = crew(session)
    chart = compute(session, t.store).chart
    assert chart is not None
    assert chart.x == ["Ana", "Ben", "Cal", "Dee"]
    series = {s.name: s.values for s in chart.series}
    # Ana: 41 tickets in 4 working days against her 10; the others against the team's 40.
    assert series["Tickets per working day"] == pytest.approx(
        [41 / 4 / 10 * 100, 12 / 4 / 40 * 100, 5 / 4 / 40 * 100, 20 / 4 / 40 * 100]
    )
    assert series["First response (business minutes)"] == pytest.approx([100.0, 80.0, 5.0, 100.0])
    assert series["CSAT"] == pytest.approx([5 / 4.8 * 100, 3.75 / 4.8 * 100, 1 / 4.8 * 100, 5 / 4.8 * 100])
    assert series["Escalation rate"] == pytest.approx([0.1 / (4 / 41) * 100, 40.0, 10.0, 100.0])
    assert series["Quality score"] == pytest.approx([100.0, 100.0, 0.5 / 0.99 * 100, 100.0])


def test_a_shortfall_of_the_typical_operator_is_raised_for_the_team(session: Session) -> None:
    t = crew(session)
    # Against a 1% escalation target Ben (25%) and Dee (10%) are far behind, and so is the median operator:
    # a shared cause, raised once; Ben is still coached on his CSAT.
    result = compute(session, t.store, **{"team.target_escalation_rate_pct": 1})
    shared = exception(result, "team:escalation_rate")
    assert shared is not None
    assert shared.title == "Team-wide: Escalation rate"
    assert shared.detail.startswith("The typical operator is at 10.0% of target")
    ben = exception(result, f"coaching:{t.ben.id}")
    assert ben is not None
    assert ben.detail == "CSAT 3.75 vs target 4.80 (78.1% of target)."
    assert exception(result, f"coaching:{t.dee.id}") is None


def test_low_volume_is_judged_only_when_the_team_was_busy(session: Session) -> None:
    t = crew(session)
    # Against the team's 40 a day the median operator (Ben, 3/day) is far under the line: demand was low,
    # nobody is coached on volume (the first test). Against 1.6 a day the team was busy (Ben at 187%), and
    # Cal's 1.25 a day is 78% of it.
    lines = {"team.target_tickets_per_day": 1.6, "team.min_tickets": 5}
    cal = exception(compute(session, t.store, **lines), f"coaching:{t.cal.id}")
    assert cal is not None
    assert cal.detail.startswith("Tickets per working day 1.2/day vs target 1.6/day (78.1% of target);")
    ben = exception(compute(session, t.store, **lines), f"coaching:{t.ben.id}")
    assert ben is not None
    assert "Tickets per working day" not in ben.detail


def test_team_figures(session: Session) -> None:
    t = crew(session)
    result = compute(session, t.store)
    tickets = 41 + 12 + 5 + 20
    replies = 40 * 3 + 3 + 12 * 3.75 + 5 * 60 + 20 * 3
    assert figure(result, "first_response") == pytest.approx(replies / tickets)
    assert figure(result, "escalation_rate") == pytest.approx((4 + 3 + 5 + 2) / tickets * 100)
    assert figure(result, "csat") == pytest.approx((10 * 5 + 15 + 5 * 1 + 5 * 5) / 24)
    assert figure(result, "tickets_per_operator_day") == pytest.approx(tickets / 16)


def test_sales_reps_against_their_prorated_monthly_target(session: Session) -> None:
    t = crew(session)
    rae = add(
        session,
        m.TeamMember,
        store_id=t.store.id,
        name="Rae",
        role="sales",
        target_revenue_monthly=Decimal(3000),
    )
    sol = add(
        session,
        m.TeamMember,
        store_id=t.store.id,
        name="Sol",
        role="sales",
        target_revenue_monthly=Decimal(3000),
    )
    for who, total, placed in (
        (rae, "600", NOW - 2 * timedelta(days=1)),
        (rae, "400", NOW - timedelta(days=10)),
        (rae, "250", datetime(2026, 5, 20, tzinfo=NY)),
        (sol, "2000", NOW - timedelta(hours=3)),
    ):
        add(session, m.Order, store_id=t.store.id, staff_id=who.id, total=Decimal(total), placed_at=placed)
    add(
        session,
        m.Order,
        store_id=t.store.id,
        staff_id=sol.id,
        total=Decimal(9000),
        placed_at=NOW - timedelta(hours=2),
        cancelled_at=NOW - timedelta(hours=1),
    )
    elapsed = (NOW - datetime(2026, 6, 1, tzinfo=NY)) / timedelta(days=30)  # June has 30 days, no DST change
    prorated = 3000 * elapsed
    result = compute(session, t.store)
    coaching = exception(result, f"coaching:{rae.id}")
    assert coaching is not None
    assert coaching.detail == (
        f"Revenue $1,000.00 this month, {1000 / prorated * 100:.1f}% of the prorated target "
        f"${prorated:,.2f}; AOV $500.00 vs $250.00 last month."
    )
    recognition = exception(result, "recognition")
    assert recognition is not None
    assert sol.id in [r.id for r in recognition.records]


def test_hire_when_escalations_are_sustained_revenue_grows_and_the_team_is_full(session: Session) -> None:
    t = crew(session)
    for k in range(1, 15):  # two escalations on each of the last 14 days
        for hour in (10, 11):
            at = datetime.combine(NOW.date() - timedelta(days=k), time(hour), NY)
            add(
                session,
                m.Ticket,
                store_id=t.store.id,
                created_at=at,
                is_escalated=True,
                escalated_at=at,
                status="closed",
            )
    for days_ago, total in ((10, "500"), (40, "300")):  # the last 30 days beat the 30 before
        add(
            session,
            m.Order,
            store_id=t.store.id,
            total=Decimal(total),
            placed_at=NOW - timedelta(days=days_ago),
        )
    refresh_rollups(session.connection(), store_id=t.store.id, tz=NY)
    lines = {"team.hire_escalations_per_day": 1, "team.capacity_tickets_per_day": 4}
    result = compute(session, t.store, **lines)
    hire = exception(result, "hire")
    assert hire is not None
    assert hire.title == "Yes: hire another support operator"
    assert hire.severity is Status.warning
    assert result.status is Status.warning
    assert "typical day of the last 14: yes; revenue growing: yes" in hire.detail
    # 92 tickets in 16 operator working days is 5.75 a day: under a capacity line of 7, a contractor first.
    fewer = compute(session, t.store, **{**lines, "team.capacity_tickets_per_day": 7})
    assert exception(fewer, "hire").title == "Partial: hire a contractor or temp first, convert if sustained"  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoReport]]:
    engine, report = build_demo(tmp_path_factory.mktemp("team") / "demo.db")
    yield engine, report
    engine.dispose()


def test_the_demo_flags_its_slowest_operator_for_coaching(demo: tuple[Engine, DemoReport]) -> None:
    engine, _ = demo
    with session_factory(engine)() as session:
        store = session.get(m.Store, 1)
        assert store is not None
        # The small demo store gets a few tickets a day, for a support team of two: both are judged over
        # the default week (team.min_tickets), as a manager would see them.
        result = compute(session, store, now=DEMO_NOW)
    assert "of 2 operators judged" in result.status_reason
    coached = [e for e in result.exceptions if e.key.startswith("coaching:") and "(sales)" not in e.title]
    assert coached
    assert any(e.title == "1-on-1 coaching: Taylor Reyes" and "First response" in e.detail for e in coached)
