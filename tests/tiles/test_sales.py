"""Sales Pulse on hand-made orders: window edges, local days, trends, top SKUs, blockers and the diagnosis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from hotdash.kernel.tunables import Tunables
from hotdash.store import models as m
from hotdash.store.rollups import refresh_rollups, sales_totals, sales_totals_many
from hotdash.tiles import sales
from hotdash.tiles.context import make_context
from hotdash.tiles.schemas import Figure, Status, TileResult
from hotdash.tiles.windows import WindowName
from tests.tiles.builders import add

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 17, 15, 30, tzinfo=UTC)  # Wednesday 11:30 in New York
TODAY_START = datetime(2026, 6, 17, 4, 0, tzinfo=UTC)  # local midnight
H, D = timedelta(hours=1), timedelta(days=1)


@dataclass
class Shop:
    store: m.Store
    skus: dict[str, m.Sku]
    placed: list[m.Order]


def shop(session: Session) -> Shop:
    store = add(session, m.Store)
    product = add(session, m.Product, store_id=store.id)
    skus = {
        code: add(session, m.Sku, product_id=product.id, sku=code, title=f"Item {code}") for code in "ABC"
    }
    return Shop(store, skus, [])


def sale(
    session: Session, s: Shop, placed_at: datetime, total: str, *lines: tuple[str, int, str], **fields: object
) -> m.Order:
    o = add(session, m.Order, store_id=s.store.id, placed_at=placed_at, total=Decimal(total), **fields)
    for code, qty, amount in lines:
        add(session, m.OrderLine, order_id=o.id, sku_id=s.skus[code].id, quantity=qty, total=Decimal(amount))
    s.placed.append(o)
    return o


def compute(
    session: Session, s: Shop, window: WindowName = WindowName.today, **overrides: float
) -> TileResult:
    refresh_rollups(session.connection(), store_id=s.store.id, tz=NY)
    ctx = make_context(session=session, store=s.store, now=NOW, window=window, thresholds=Tunables(overrides))
    return sales.compute(ctx)


def fig(result: TileResult, key: str) -> Figure:
    return next(f for f in result.figures if f.key == key)


def revenue_in(s: Shop, start: datetime, end: datetime) -> Decimal:
    return sum(
        (o.total for o in s.placed if start <= o.placed_at < end and o.cancelled_at is None), Decimal(0)
    )


def orders_in(s: Shop, start: datetime, end: datetime) -> int:
    return sum(1 for o in s.placed if start <= o.placed_at < end and o.cancelled_at is None)


def traffic(session: Session, s: Shop, day: date, *sessions: int) -> None:
    for i, n in enumerate(sessions):
        add(session, m.PageTraffic, store_id=s.store.id, day=day, landing_page=f"/p{i}", sessions=n)


@pytest.fixture
def week(session: Session) -> Shop:
    """Today so far, yesterday late in the evening, the six days before, and last Wednesday."""
    s = shop(session)
    sale(session, s, TODAY_START, "100.00", ("A", 2, "100.00"))  # exactly at the window's start: in
    sale(session, s, TODAY_START + H / 2, "50.00", ("B", 5, "50.00"))
    sale(session, s, datetime(2026, 6, 17, 12, 15, tzinfo=UTC), "30.00", ("C", 1, "30.00"))
    sale(session, s, NOW, "999.00", ("C", 1, "999.00"))  # exactly at now: out
    sale(session, s, NOW - 2 * H, "500.00", ("C", 9, "500.00"), cancelled_at=NOW - H)  # cancelled: out
    # 23:30 in New York on the 16th is 03:30 UTC on the 17th: yesterday's sale, locally.
    sale(session, s, datetime(2026, 6, 17, 3, 30, tzinfo=UTC), "77.00", ("C", 1, "77.00"))
    for k in range(1, 7):  # each of the six days before: one 240.00 sale at 04:00 local
        sale(session, s, TODAY_START - k * D + 4 * H, "240.00", ("B", 1, "240.00"))
    last_week = TODAY_START - 7 * D
    sale(session, s, last_week + H, "120.00", ("A", 1, "120.00"))
    sale(session, s, last_week + 10 * H, "120.00", ("A", 1, "120.00"))
    sale(session, s, NOW - 7 * D, "555.00")  # at last week's end: out
    traffic(session, s, date(2026, 6, 17), 5000)  # today, still filling: never compared
    traffic(session, s, date(2026, 6, 16), 600, 400)
    for k in range(2, 9):
        traffic(session, s, date(2026, 6, 17) - timedelta(days=k), 800 if k == 8 else 900)
    return s


def test_today_counts_local_midnight_to_now_with_last_week_and_baseline(session: Session, week: Shop) -> None:
    result = compute(session, week)
    revenue, orders, aov = fig(result, "revenue"), fig(result, "orders"), fig(result, "aov")

    assert revenue.value == float(revenue_in(week, TODAY_START, NOW)) == 180.0
    assert orders.value == 3
    assert aov.value == 60.0
    assert revenue.vs_last_week is not None
    assert revenue.vs_last_week.previous == 240.0
    assert aov.vs_last_week is not None
    assert aov.vs_last_week.previous == 120.0
    base = [revenue_in(week, TODAY_START - k * D, NOW - k * D) for k in range(1, 8)]
    counts = [orders_in(week, TODAY_START - k * D, NOW - k * D) for k in range(1, 8)]
    assert revenue.vs_baseline is not None
    assert revenue.vs_baseline.previous == pytest.approx(float(mean(base)))
    assert orders.vs_baseline is not None
    assert orders.vs_baseline.previous == pytest.approx(mean(counts))
    aovs = [float(r) / n for r, n in zip(base, counts, strict=True)]
    assert aov.vs_baseline is not None
    assert aov.vs_baseline.previous == pytest.approx(mean(aovs), abs=0.01)
    assert revenue.vs_baseline.change_pct == pytest.approx(-25.0)


def test_a_25_percent_drop_is_a_warning_diagnosed_as_upsell(session: Session, week: Shop) -> None:
    # One order a day in the baseline: judged only with the volume guard off.
    result = compute(session, week, **{"sales.min_baseline_orders": 0})
    assert result.status is Status.warning
    assert "a drop over 20% is a warning" in result.status_reason
    assert "Upsell problem" in result.recommendation.playbook
    assert result.recommendation.money_at_stake == Decimal("60.00")  # the gap to the baseline's 240


def test_sessions_compare_complete_local_days_only(session: Session, week: Shop) -> None:
    sessions = fig(compute(session, week), "sessions")
    assert sessions.value == 1000  # yesterday; today's 5000 is still filling
    assert sessions.vs_last_week is not None
    assert sessions.vs_last_week.previous == 800
    assert sessions.vs_baseline is not None
    assert sessions.vs_baseline.previous == pytest.approx((6 * 900 + 800) / 7)


def test_top_skus_by_revenue_of_the_local_days_and_the_out_of_stock_blocker(
    session: Session, week: Shop
) -> None:
    location = add(session, m.Location, store_id=week.store.id)
    other = add(session, m.Location, store_id=week.store.id)
    for loc in (location, other):
        add(session, m.InventoryLevel, sku_id=week.skus["A"].id, location_id=loc.id, on_hand=2, available=0)
    add(session, m.InventoryLevel, sku_id=week.skus["B"].id, location_id=location.id, on_hand=3, available=3)

    result = compute(session, week, **{"sales.top_skus": 2})

    top = result.extra_charts[0]
    assert top.x == ["A", "B"]  # C sold 30.00 today; its 77.00 was yesterday's, locally
    assert top.series[0].values == [100.0, 50.0]
    assert top.series[1].values == [2.0, 5.0]
    blocker = next(e for e in result.exceptions if e.key == "top_sellers_out_of_stock")
    assert [r.id for r in blocker.records] == [week.skus["A"].id]
    elapsed_days = (NOW - TODAY_START) / D
    expected = Decimal(100) / Decimal(str(elapsed_days)) * 3  # three days of sales at today's pace
    assert blocker.money_at_stake == expected.quantize(Decimal("0.01"))
    assert blocker.severity is Status.critical


def test_open_orders_past_ship_by_hold_revenue(session: Session, week: Shop) -> None:
    long_ago = NOW - 30 * D
    late = [
        sale(session, week, long_ago, "40.00", ship_by=NOW - H),
        sale(session, week, long_ago, "15.00", fulfillment_status="partial", ship_by=NOW - 3 * D),
    ]
    sale(session, week, long_ago, "70.00", ship_by=NOW)  # due exactly now: not late
    sale(session, week, long_ago, "70.00", ship_by=NOW - H, cancelled_at=long_ago + H)
    sale(session, week, long_ago, "70.00", fulfillment_status="fulfilled", ship_by=NOW - D)

    blocker = next(e for e in compute(session, week).exceptions if e.key == "late_orders")

    assert {r.id for r in blocker.records} == {o.id for o in late}
    assert blocker.record_count == 2
    assert blocker.money_at_stake == Decimal("55.00")
    assert blocker.records[0].id == late[1].id  # the longest overdue first
    assert blocker.severity is Status.watch  # 2 delayed: monitor


def test_hourly_chart_of_today_against_last_week(session: Session, week: Shop) -> None:
    chart = compute(session, week).chart
    assert chart is not None
    assert chart.kind == "line"
    assert chart.x == [f"{h:02d}:00" for h in range(12)]
    this, last = chart.series[0].values, chart.series[1].values
    assert this[0] == 150.0
    assert this[8] == 30.0
    assert sum(v or 0 for v in this) == 180.0
    assert last[1] == 120.0
    assert last[10] == 120.0
    assert sum(v or 0 for v in last) == 240.0


def test_24h_window_includes_its_start_and_last_evening(session: Session, week: Shop) -> None:
    start = NOW - 24 * H
    sale(session, week, start, "11.00")  # exactly at the start: in
    sale(session, week, start - timedelta(minutes=20), "13.00")  # same clock hour, before the start: out
    result = compute(session, week, WindowName.last_24h)
    expected = revenue_in(week, start, NOW)
    assert fig(result, "revenue").value == float(expected) == 11 + 77 + 180
    assert result.chart is not None
    assert sum(v or 0 for v in result.chart.series[0].values) == float(expected)
    assert result.chart.x[0] == "11:00"  # 15:30 UTC yesterday is 11:30 in New York


def test_7d_window_by_local_day(session: Session, week: Shop) -> None:
    result = compute(session, week, WindowName.last_7d)
    start = TODAY_START - 6 * D
    assert fig(result, "revenue").value == float(revenue_in(week, start, NOW))
    chart = result.chart
    assert chart is not None
    assert chart.x == [(date(2026, 6, 11) + timedelta(days=k)).isoformat() for k in range(7)]
    assert chart.series[0].values[-2] == 240.0 + 77.0  # the 16th: its 04:00 sale and 23:30 in New York
    assert chart.series[0].values[-1] == 180.0
    assert chart.series[1].values == [0, 0, 0, 0, 0, 0, 240.0]  # the 4th to the 10th: last Wednesday's two
    top = result.extra_charts[0]
    assert top.x == ["B", "C", "A"]
    assert top.series[0].values == [6 * 240 + 50, 30 + 77, 100]


def test_fewer_orders_and_fewer_visitors_is_a_marketing_problem(session: Session) -> None:
    s = shop(session)
    for k in range(1, 8):
        for hour in (1, 2, 3, 5):
            sale(session, s, TODAY_START - k * D + hour * H, "50.00")
        traffic(session, s, date(2026, 6, 16) - timedelta(days=k), 1000)
    sale(session, s, TODAY_START + H, "50.00")
    traffic(session, s, date(2026, 6, 16), 500)
    result = compute(session, s, **{"sales.min_baseline_orders": 4})  # the baseline's 4 a day: judged
    assert result.status is Status.critical  # 50 against 200: a 75% drop
    assert "Marketing problem" in result.recommendation.playbook
    assert "traffic down" in result.recommendation.why


def test_a_drop_on_too_few_orders_is_not_judged(session: Session) -> None:
    # Early morning: each of the last 7 days had one $64 order by 01:00; today none yet. "Down 100%" is one
    # order not yet placed, not a critical revenue drop.
    s = shop(session)
    early = datetime(2026, 6, 17, 5, 0, tzinfo=UTC)  # 01:00 in New York
    for k in range(1, 8):
        sale(session, s, TODAY_START - k * D + H / 2, "64.00")
    for k in range(1, 8):  # the rest of those days, after the window
        sale(session, s, TODAY_START - k * D + 10 * H, "64.00")

    def status_at(**overrides: float) -> TileResult:
        refresh_rollups(session.connection(), store_id=s.store.id, tz=NY)
        ctx = make_context(
            session=session,
            store=s.store,
            now=early,
            window=WindowName.today,
            thresholds=Tunables(overrides),
        )
        return sales.compute(ctx)

    guarded = status_at()
    assert fig(guarded, "revenue").value == 0.0
    assert guarded.status is Status.ok
    assert "too little volume to judge (under 10 orders)" in guarded.status_reason
    assert "1.0 orders on average" in guarded.status_reason
    # At the threshold it is judged: one order a day is enough when the manager says so.
    judged = status_at(**{"sales.min_baseline_orders": 1})
    assert judged.status is Status.critical
    assert "a drop over 35% is critical" in judged.status_reason


def test_many_windows_at_once_equal_each_window_alone(session: Session, week: Shop) -> None:
    refresh_rollups(session.connection(), store_id=week.store.id, tz=NY)
    minute = timedelta(minutes=1)
    windows = [
        (TODAY_START, NOW),  # ragged end
        (TODAY_START + 17 * minute, NOW - 7 * D),  # empty: ends before it starts
        (NOW - 20 * minute, NOW),  # inside one hour
        (TODAY_START - 7 * D, TODAY_START),  # whole hours only
        (TODAY_START - 7 * D + 59 * minute, NOW - 3 * D + minute),  # ragged both ends, across days
        (NOW + D, NOW + 2 * D),  # nothing sold
    ] + [(TODAY_START - k * D, NOW - k * D) for k in range(1, 8)]

    many = sales_totals_many(session=session, store_id=week.store.id, windows=windows)

    alone = [sales_totals(session=session, store_id=week.store.id, start=a, end=b) for a, b in windows]
    assert many == alone
    assert [t.revenue for t in many] == [revenue_in(week, a, b) for a, b in windows]
    assert [t.orders for t in many] == [orders_in(week, a, b) for a, b in windows]
    assert many[0].revenue == Decimal("180.00")
    assert many[0].units == 2 + 5 + 1
