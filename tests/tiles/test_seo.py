"""SEO Content on hand-made daily traffic: the pages flagged, the site quadrant, the weeks compared."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from hotdash.kernel.tunables import Tunables
from hotdash.store import models as m
from hotdash.tiles import seo
from hotdash.tiles.context import make_context
from hotdash.tiles.schemas import Status, TileResult
from hotdash.tiles.windows import WindowName
from tests.tiles.builders import add

# 02:30 UTC on the 17th is still the 16th in New York: "yesterday" is the 15th.
NOW = datetime(2026, 6, 17, 2, 30, tzinfo=UTC)
YESTERDAY = date(2026, 6, 15)
THIS_WEEK = [YESTERDAY - timedelta(days=k) for k in range(7)]  # the 9th to the 15th
WEEK_BEFORE = [YESTERDAY - timedelta(days=k) for k in range(7, 14)]  # the 2nd to the 8th


def visits(
    session: Session,
    store: m.Store,
    page: str,
    days: list[date],
    sessions: int,
    revenue: str = "0",
    conversions: int = 0,
) -> list[m.PageTraffic]:
    """Spread a week's sessions (and revenue) over its days, the remainder on the first day."""
    share, rest = divmod(sessions, len(days))
    cash = Decimal(revenue) / len(days)
    return [
        add(
            session,
            m.PageTraffic,
            store_id=store.id,
            day=d,
            landing_page=page,
            sessions=share + (rest if i == 0 else 0),
            revenue=cash.quantize(Decimal("0.01")),
            conversions=conversions if i == 0 else 0,
        )
        for i, d in enumerate(days)
    ]


def page(
    session: Session,
    store: m.Store,
    path: str,
    before: int,
    after: int,
    rev_before: str = "0",
    rev_after: str = "0",
) -> list[m.PageTraffic]:
    return [
        *visits(session, store, path, WEEK_BEFORE, before, rev_before),
        *visits(session, store, path, THIS_WEEK, after, rev_after),
    ]


def compute(session: Session, store: m.Store, **overrides: float) -> TileResult:
    ctx = make_context(
        session=session, store=store, now=NOW, window=WindowName.today, thresholds=Tunables(overrides)
    )
    return seo.compute(ctx)


def flagged(result: TileResult) -> dict[str, int]:
    return {e.records[0].label: e.records[0].id for e in result.exceptions if e.key.startswith("page_drop_")}


def test_pages_are_flagged_only_beyond_20_percent_and_from_50_sessions(session: Session) -> None:
    store = add(session, m.Store)
    page(session, store, "/exactly-20", 100, 80)
    rows = page(session, store, "/twenty-point-one", 1000, 799, rev_before="700.00", rev_after="560.00")
    page(session, store, "/too-small", 49, 0)
    page(session, store, "/just-enough", 50, 39)
    page(session, store, "/growing", 30_000, 33_000, rev_before="9000.00", rev_after="9900.00")
    # Today is still filling and the day before the earlier week is out of range: neither counts.
    add(
        session,
        m.PageTraffic,
        store_id=store.id,
        day=YESTERDAY + timedelta(days=1),
        landing_page="/exactly-20",
        sessions=10_000,
    )
    add(
        session,
        m.PageTraffic,
        store_id=store.id,
        day=WEEK_BEFORE[-1] - timedelta(days=1),
        landing_page="/exactly-20",
        sessions=10_000,
    )

    result = compute(session, store)

    assert set(flagged(result)) == {"/twenty-point-one", "/just-enough"}
    assert flagged(result)["/twenty-point-one"] in {r.id for r in rows}
    drop = next(e for e in result.exceptions if e.records[0].label == "/twenty-point-one")
    assert drop.action == "Content audit, SEO check."
    # 201 lost sessions at the earlier week's 0.70 per session
    assert drop.money_at_stake == Decimal("140.70")
    assert result.status is Status.warning
    assert result.recommendation.playbook.endswith("Page-specific drops -> Content audit, SEO check")


def test_site_figures_compare_the_last_7_complete_days_with_the_7_before(session: Session) -> None:
    store = add(session, m.Store)
    before = [
        *visits(session, store, "/", WEEK_BEFORE, 700, "350.00", 14),
        *visits(session, store, "/blog", WEEK_BEFORE, 300, "50.00", 2),
    ]
    after = [
        *visits(session, store, "/", THIS_WEEK, 770, "420.00", 21),
        *visits(session, store, "/blog", THIS_WEEK, 330, "70.00", 1),
    ]

    result = compute(session, store)
    figures = {f.key: f for f in result.figures}

    def total(rows: list[m.PageTraffic], field: str) -> float:
        return float(sum(getattr(r, field) for r in rows))

    assert figures["sessions"].value == total(after, "sessions") == 1100
    assert figures["sessions"].vs_last_week is not None
    assert figures["sessions"].vs_last_week.previous == total(before, "sessions")
    assert figures["revenue"].value == total(after, "revenue")
    assert figures["conversion_rate"].value == pytest.approx(total(after, "conversions") / 1100)
    assert figures["conversion_rate"].vs_last_week is not None
    assert figures["conversion_rate"].vs_last_week.previous == pytest.approx(16 / 1000)
    # The baseline: the same 7 days shifted back 1 to 7 days, averaged.
    daily = {}
    for r in before + after:
        daily[r.day] = daily.get(r.day, 0) + r.sessions
    shifted = [sum(daily.get(d - timedelta(days=k), 0) for d in THIS_WEEK) for k in range(1, 8)]
    assert figures["sessions"].vs_baseline is not None
    assert figures["sessions"].vs_baseline.previous == pytest.approx(sum(shifted) / 7)
    # Up 10% with sales up 40%: the guide's "Marketing working, scale it".
    assert result.status is Status.ok
    assert result.status_reason.startswith("Marketing working")
    chart = result.chart
    assert chart is not None
    assert chart.x[0] == WEEK_BEFORE[-1].isoformat()
    assert chart.x[-1] == YESTERDAY.isoformat()
    assert sum(v or 0 for v in chart.series[0].values) == 2100


@pytest.mark.parametrize(
    ("sessions_after", "revenue_after", "meaning", "status"),
    [
        (1100, "1000.00", "Conversion problem", Status.watch),  # traffic up, sales flat
        (1020, "1300.00", "Great conversion", Status.ok),  # traffic flat, sales up
        (900, "800.00", "Marketing problem", Status.warning),  # both down, within the 20% line
    ],
)
def test_site_quadrant(
    session: Session, sessions_after: int, revenue_after: str, meaning: str, status: Status
) -> None:
    store = add(session, m.Store)
    page(session, store, "/", 1000, sessions_after, "1000.00", revenue_after)
    result = compute(session, store)
    assert result.status is status
    assert result.status_reason.startswith(meaning)


def test_a_site_wide_drop_over_20_percent_calls_an_emergency_review(session: Session) -> None:
    store = add(session, m.Store)
    page(session, store, "/", 6000, 4000, "6000.00", "4200.00")
    page(session, store, "/sale", 4000, 3990, "1000.00", "1000.00")
    result = compute(session, store)
    assert result.status is Status.critical
    site = next(e for e in result.exceptions if e.key == "site_traffic_drop")
    assert site.action == "Emergency marketing review."
    # 2010 lost sessions at 7000 / 10000 per session
    assert site.money_at_stake == Decimal("1407.00")
    assert [r.label for r in site.records] == ["/", "/sale"]
    assert set(flagged(result)) == {"/"}


def test_exactly_20_percent_down_site_wide_is_not_an_emergency(session: Session) -> None:
    store = add(session, m.Store)
    page(session, store, "/", 10_000, 8000, "100.00", "80.00")
    result = compute(session, store)
    assert result.status is Status.warning  # traffic and sales down: marketing problem
    assert not any(e.key == "site_traffic_drop" for e in result.exceptions)
