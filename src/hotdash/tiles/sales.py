"""Sales Pulse: revenue, orders and AOV of the window against last week and the 7-day baseline, why revenue
moved, the top SKUs, and the fulfillment blockers that hold revenue back.

Decisions where the guide is silent:
- The status follows revenue against its 7-day baseline only; stockouts and late orders are exceptions
  here and set the Inventory and Fulfillment tiles' status, so one cause does not redden three tiles.
- A drop is judged only once the baseline averages `sales.min_baseline_orders` orders in the window:
  early in the day "down 100%" is one order not yet placed.
- The AOV baseline is the mean of the 7 windows' AOVs, like every other baseline.
- Sessions are compared over complete local days (yesterday for today and 24h), since today's traffic
  row is still filling.
- A top seller is one of the window's top `sales.top_skus` by revenue; it is out of stock when its
  available units across the store's locations are 0 or less. The money at stake is its revenue per day in
  the window times `inventory.rush_lead_days`, the fastest restock (the guide's "2-3 days out of stock").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from decimal import Decimal

from sqlalchemy import func, select, union_all

from hotdash.store.models import (
    InventoryLevel,
    Location,
    Order,
    OrderLine,
    PageTraffic,
    Sku,
    SkuSalesDaily,
)
from hotdash.store.rollups import sales_totals_many
from hotdash.tiles.context import TileContext
from hotdash.tiles.playbook import fulfillment as fulfillment_rules
from hotdash.tiles.playbook import sales as rules
from hotdash.tiles.queries import (
    as_float,
    days_between,
    figure,
    fmt_money,
    fmt_pct,
    late_open_orders,
    local_date,
    local_start,
    mean,
    money,
    ref,
    revenue_by_day,
    revenue_by_hour,
    summary_and_first,
)
from hotdash.tiles.schemas import Chart, Recommendation, Series, Status, TileException, TileResult
from hotdash.tiles.windows import WindowName, change_pct

NAME, TITLE = "sales", "Sales Pulse"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class TopSku:
    """One of the window's best sellers, with its stock across the store's locations."""

    sku_id: int
    code: str
    title: str
    revenue: Decimal
    units: int
    available: int | None  # None: the store keeps no stock level for it


def _revenue_chart(ctx: TileContext) -> Chart:
    """Revenue by local hour (today, 24h) or local day (7d, 30d), with the same window last week."""
    window, tz, store_id = ctx.window, ctx.tz, ctx.store.id
    earlier = window.last_week()
    if window.name in (WindowName.today, WindowName.last_24h):
        hours = revenue_by_hour(ctx.session, store_id, window.start, window.end)
        before = list(revenue_by_hour(ctx.session, store_id, earlier.start, earlier.end).values())
        x = [hour.astimezone(tz).strftime("%H:00") for hour in hours]
        values: list[float | None] = [float(v) for v in hours.values()]
        # A daylight-saving change between the two weeks can add or drop an hour.
        last: list[float | None] = [float(v) for v in before[: len(values)]] + [None] * (
            len(values) - len(before)
        )
        title = "Revenue by hour"
    else:
        days = revenue_by_day(ctx.session, store_id, window.start, window.end, tz)
        previous = revenue_by_day(ctx.session, store_id, earlier.start, earlier.end, tz)
        x = [day.isoformat() for day in days]
        values = [float(v) for v in days.values()]
        last = [float(previous.get(day - timedelta(days=7), Decimal(0))) for day in days]
        title = "Revenue by day"
    series = [Series(name="This period", values=values), Series(name="Same period last week", values=last)]
    return Chart(kind="line", title=title, x=x, series=series, unit="money")


def _sessions(ctx: TileContext) -> tuple[float | None, float | None, float | None, int]:
    """Return sessions of the window's complete local days, the same days last week, and their baseline.

    Traffic is kept per local day and today's row is still filling, so comparing it with whole days would
    always read as a drop: only complete days count (for today and 24h, yesterday).
    """
    today = local_date(ctx.now, ctx.tz)
    first = local_date(ctx.window.start, ctx.tz)
    if ctx.window.name in (WindowName.today, WindowName.last_24h) or first >= today:
        first = today - DAY
    days = days_between(first, today - DAY)
    in_range = (
        PageTraffic.store_id == ctx.store.id,
        PageTraffic.day >= first - 7 * DAY,
        PageTraffic.day < today,
    )
    query = select(PageTraffic.day, func.sum(PageTraffic.sessions)).where(*in_range).group_by(PageTraffic.day)
    per_day = {day: int(sessions) for day, sessions in ctx.session.execute(query).all()}
    if not per_day:
        return None, None, None, len(days)

    def total(shift: int) -> float:
        return float(sum(per_day.get(d - shift * DAY, 0) for d in days))

    return total(0), total(7), mean([total(k) for k in range(1, 8)]), len(days)


def top_skus(ctx: TileContext, limit: int) -> list[TopSku]:
    """Return the window's best sellers by revenue, with their stock across the store's locations.

    Whole local days before today come from the daily SKU rollup; the rest of the window (today so far, and
    for 24h the part of yesterday it covers) from the order lines themselves, so the list is exact for
    every window and a day's rollup row is never counted past `now`.
    """
    window, tz = ctx.window, ctx.tz
    today = local_start(local_date(ctx.now, tz), tz)
    first_day = local_date(window.start, tz)
    if local_start(first_day, tz) < window.start:
        first_day += timedelta(days=1)
    whole_until = local_date(today, tz)  # exclusive
    raw_from = window.start if first_day >= whole_until else today
    days = (
        SkuSalesDaily.store_id == ctx.store.id,
        SkuSalesDaily.day >= first_day,
        SkuSalesDaily.day < whole_until,
    )
    whole = select(SkuSalesDaily.sku_id, SkuSalesDaily.revenue, SkuSalesDaily.units).where(*days)
    raw = (
        select(OrderLine.sku_id, OrderLine.total, OrderLine.quantity)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.store_id == ctx.store.id,
            Order.placed_at >= raw_from,
            Order.placed_at < window.end,
            Order.cancelled_at.is_(None),
            OrderLine.sku_id.is_not(None),
        )
    )
    lines = union_all(whole, raw).subquery()  # columns named after the first select
    revenue = func.sum(lines.c.revenue).label("revenue")
    ranked = (
        select(lines.c.sku_id, revenue, func.sum(lines.c.units).label("units"))
        .group_by(lines.c.sku_id)
        .order_by(revenue.desc(), lines.c.sku_id)
        .limit(limit)
        .subquery()
    )
    rows = ctx.session.execute(
        select(ranked.c.sku_id, Sku.sku, Sku.title, ranked.c.revenue, ranked.c.units)
        .join(Sku, Sku.id == ranked.c.sku_id)
        .order_by(ranked.c.revenue.desc(), ranked.c.sku_id)
    ).all()
    ids = [row.sku_id for row in rows]
    stock = dict(
        ctx.session.execute(
            select(InventoryLevel.sku_id, func.sum(InventoryLevel.available))
            .join(Location, Location.id == InventoryLevel.location_id)
            .where(Location.store_id == ctx.store.id, InventoryLevel.sku_id.in_(ids))
            .group_by(InventoryLevel.sku_id)
        ).all()
    )
    found = [TopSku(r.sku_id, r.sku, r.title, money(r.revenue), int(r.units), None) for r in rows]
    return [replace(t, available=int(stock[t.sku_id])) if t.sku_id in stock else t for t in found]


def _blockers(ctx: TileContext, skus: list[TopSku]) -> tuple[list[TileException], int, Decimal, int, Decimal]:
    """Return the late open orders and out-of-stock top sellers as exceptions, with their counts and money."""
    th, cur = ctx.thresholds, ctx.currency
    late_query = summary_and_first(late_open_orders(ctx.store.id, ctx.now), ("ship_by", "id"))
    rows = ctx.session.execute(late_query).all()
    late, late_value = int(rows[0].n_all), money(rows[0].value_all)
    found: list[TileException] = []
    if late:
        band = fulfillment_rules.delay_band(
            late,
            th.int("fulfillment.monitor_min"),
            th.int("fulfillment.investigate_min"),
            th.int("fulfillment.critical_above"),
        )
        found.append(
            TileException(
                key="late_orders",
                title=f"{late} orders past their ship-by promise",
                detail=f"They hold {fmt_money(late_value, cur)} of revenue that is paid but not shipped.",
                severity=band.status,
                money_at_stake=late_value,
                record_count=late,
                action="Fulfillment issues directly impact sales: clear these with the warehouse first.",
                records=[ref("order", r.id, r.number) for r in rows if r.id is not None],
            )
        )
    elapsed = (ctx.now.astimezone(UTC) - local_start(local_date(ctx.window.start, ctx.tz), ctx.tz)) / DAY
    rush = th["inventory.rush_lead_days"]
    out = [s for s in skus if s.available is not None and s.available <= 0]
    per_day = [s.revenue / Decimal(str(max(elapsed, 1e-6))) for s in out]
    out_value = (sum(per_day, Decimal(0)) * Decimal(str(rush))).quantize(Decimal("0.01"))
    if out:
        found.append(
            TileException(
                key="top_sellers_out_of_stock",
                title=f"{len(out)} top seller{'s' if len(out) > 1 else ''} out of stock",
                detail=", ".join(f"{s.code} ({fmt_money(s.revenue, cur)} in the period)" for s in out)
                + f"; at stake: {rush:g} days of their sales, the fastest restock.",
                severity=Status.critical,
                money_at_stake=out_value,
                record_count=len(out),
                action="Expedite the supplier shipment (P0) and prepare a pre-sell campaign.",
                records=[ref("sku", s.sku_id, f"{s.code} {s.title}") for s in out],
            )
        )
    return found, late, late_value, len(out), out_value


def compute(ctx: TileContext) -> TileResult:
    """Compute the Sales Pulse tile for the context's window."""
    window, th = ctx.window, ctx.thresholds

    # The window and its 7 baseline windows in one go; the 7th of them, 7 days back, is last week's.
    windows = [window, *window.baseline()]
    totals = sales_totals_many(
        session=ctx.session, store_id=ctx.store.id, windows=[(w.start, w.end) for w in windows]
    )
    now_t, week_t, base = totals[0], totals[7], totals[1:]
    base_revenue, base_orders = mean([float(t.revenue) for t in base]), mean([float(t.orders) for t in base])
    base_aov = mean([as_float(t.aov) for t in base])
    sessions, sessions_lw, sessions_base, session_days = _sessions(ctx)
    revenue = float(now_t.revenue)
    figures = [
        figure(
            "revenue", "Revenue", revenue, "money", last_week=float(week_t.revenue), baseline=base_revenue
        ),
        figure("orders", "Orders", now_t.orders, "count", last_week=week_t.orders, baseline=base_orders),
        figure(
            "aov",
            "Average order value",
            as_float(now_t.aov),
            "money",
            last_week=as_float(week_t.aov),
            baseline=base_aov,
        ),
        figure(
            "sessions",
            "Sessions (yesterday)" if session_days == 1 else f"Sessions ({session_days} full days)",
            sessions,
            "count",
            last_week=sessions_lw,
            baseline=sessions_base,
        ),
    ]
    skus = top_skus(ctx, th.int("sales.top_skus"))
    exceptions, late, late_value, out, out_value = _blockers(ctx, skus)
    revenue_pct = change_pct(revenue, base_revenue)
    signals = rules.SalesSignals(
        revenue_pct=revenue_pct,
        revenue_vs_last_week_pct=change_pct(revenue, float(week_t.revenue)),
        orders_pct=change_pct(now_t.orders, base_orders),
        aov_pct=change_pct(as_float(now_t.aov), base_aov),
        sessions_pct=change_pct(sessions, sessions_base),
        late_orders=late,
        out_of_stock_top_sellers=out,
        flat_pct=th["sales.flat_pct"],
        capacity_issue_from=th.int("fulfillment.investigate_min"),
    )
    diagnosis = rules.diagnose(signals)
    status = rules.revenue_status(
        revenue_pct,
        th["sales.revenue_watch_drop_pct"],
        th["sales.revenue_warning_drop_pct"],
        th["sales.revenue_critical_drop_pct"],
        baseline_orders=base_orders,
        min_orders=th["sales.min_baseline_orders"],
    )
    stakes = {
        "procurement": out_value,
        "warehouse_capacity": late_value,
        "fulfillment_blockers": out_value + late_value,
    }
    stake = stakes.get(diagnosis.code)
    if stake is None and base_revenue is not None and revenue < base_revenue:
        stake = money(base_revenue - revenue)  # the gap to the baseline
    why = (
        f"{diagnosis.cause} Against the 7-day baseline: revenue {fmt_pct(revenue_pct)}, orders "
        f"{fmt_pct(signals.orders_pct)}, AOV {fmt_pct(signals.aov_pct)}, "
        f"sessions {fmt_pct(signals.sessions_pct)}."
    )
    return TileResult(
        name=NAME,
        title=TITLE,
        status=status,
        status_reason=_status_reason(status, revenue, base_revenue, base_orders, ctx),
        window=window.name.value,
        window_label=window.label,
        computed_at=ctx.now,
        currency=ctx.currency,
        figures=figures,
        chart=_revenue_chart(ctx),
        extra_charts=[_top_chart(skus)],
        exceptions=exceptions,
        recommendation=Recommendation(
            action=diagnosis.action, why=why, money_at_stake=stake, playbook=diagnosis.rule
        ),
    )


def _top_chart(skus: list[TopSku]) -> Chart:
    return Chart(
        kind="bar",
        title="Top SKUs by revenue",
        x=[s.code for s in skus],
        series=[
            Series(name="Revenue", values=[float(s.revenue) for s in skus]),
            Series(name="Units", values=[float(s.units) for s in skus]),
        ],
        unit="money",
    )


def _status_reason(
    status: Status, revenue: float, baseline: float | None, baseline_orders: float | None, ctx: TileContext
) -> str:
    cur, th = ctx.currency, ctx.thresholds
    pct = change_pct(revenue, baseline)
    if baseline is None or pct is None:
        return f"Revenue {fmt_money(revenue, cur)}; no baseline yet to compare with."
    head = (
        f"Revenue {fmt_money(revenue, cur)} is {fmt_pct(pct)} against its 7-day baseline of "
        f"{fmt_money(baseline, cur)}"
    )
    least = th["sales.min_baseline_orders"]
    if least > 0 and not rules.enough_volume(baseline_orders, least):
        return (
            f"{head}, from {baseline_orders or 0:.1f} orders on average: too little volume to judge "
            f"(under {least:g} orders)."
        )
    limits = {
        Status.critical: ("sales.revenue_critical_drop_pct", "critical"),
        Status.warning: ("sales.revenue_warning_drop_pct", "a warning"),
        Status.watch: ("sales.revenue_watch_drop_pct", "worth watching"),
    }
    if status in limits:
        key, word = limits[status]
        return f"{head}; a drop over {th[key]:g}% is {word}."
    return f"{head}; within the {th['sales.revenue_watch_drop_pct']:g}% watch line."
