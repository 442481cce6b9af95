"""SEO Content: landing-page traffic week over week, the pages that lost it, and the traffic x sales quadrant.

A week is 7 complete local days: the last week is yesterday and the 6 days before, compared with the 7 before
those. Today is left out because its traffic is still coming in. "Sales" in the quadrant is the revenue of
orders that began on the page (page_traffic.revenue): money, not conversions, because the manager acts on
money and a page's conversions are a few dozen a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, literal, or_, select

from hotdash.kernel.tunables import Tunables
from hotdash.store.models import PageTraffic
from hotdash.tiles.context import TileContext
from hotdash.tiles.playbook import seo as rules
from hotdash.tiles.queries import (
    AnySelect,
    days_between,
    figure,
    fmt_money,
    fmt_pct,
    local_date,
    mean,
    money,
    ref,
)
from hotdash.tiles.schemas import (
    Chart,
    Figure,
    Recommendation,
    Series,
    Status,
    TileException,
    TileResult,
    Unit,
)
from hotdash.tiles.windows import change_pct

NAME, TITLE = "seo", "SEO Content"
PAGE_EXCEPTIONS = 10  # pages listed one by one; more are counted in the status reason
MOVERS = 10


@dataclass(frozen=True)
class PageWeek:
    """One landing page's two weeks."""

    page: str
    record_id: int
    sessions: int
    sessions_before: int
    revenue: Decimal
    revenue_before: Decimal
    flagged_total: int = 0

    @property
    def lost_revenue(self) -> Decimal:
        """Revenue the lost sessions would have brought at the earlier week's revenue per session."""
        if self.sessions_before <= 0 or self.sessions >= self.sessions_before:
            return Decimal("0.00")
        per_session = self.revenue_before / self.sessions_before
        return (per_session * (self.sessions_before - self.sessions)).quantize(Decimal("0.01"))


def _pages(ctx: TileContext, this_week: date, before: date, end: date) -> AnySelect:
    recent = PageTraffic.day >= this_week
    sessions = func.sum(case((recent, PageTraffic.sessions), else_=0))
    sessions_before = func.sum(case((recent, 0), else_=PageTraffic.sessions))
    return (
        select(
            PageTraffic.landing_page,
            func.max(PageTraffic.id).label("record_id"),
            sessions.label("sessions"),
            sessions_before.label("sessions_before"),
            func.sum(case((recent, PageTraffic.revenue), else_=0)).label("revenue"),
            func.sum(case((recent, 0), else_=PageTraffic.revenue)).label("revenue_before"),
        )
        .where(PageTraffic.store_id == ctx.store.id, PageTraffic.day >= before, PageTraffic.day <= end)
        .group_by(PageTraffic.landing_page)
    )


def _page_rows(ctx: TileContext, query: AnySelect) -> list[PageWeek]:
    return [
        PageWeek(
            r.landing_page,
            r.record_id,
            int(r.sessions),
            int(r.sessions_before),
            money(r.revenue),
            money(r.revenue_before),
            int(getattr(r, "flagged_total", 0) or 0),
        )
        for r in ctx.session.execute(query).all()
    ]


def _dropped_pages(ctx: TileContext, this_week: date, before: date, end: date) -> list[PageWeek]:
    """Return the pages whose sessions fell by more than seo.traffic_drop_pct, most sessions lost first."""
    query = _pages(ctx, this_week, before, end)
    sessions, sessions_before = query.selected_columns.sessions, query.selected_columns.sessions_before
    # The same whole-number comparison as rules.is_dropped, so SQL and the playbook agree at the boundary.
    query = (
        query.add_columns(func.count().over().label("flagged_total"))
        .having(
            sessions_before >= ctx.thresholds.int("seo.min_sessions"),
            sessions_before > 0,
            100 * (sessions_before - sessions)
            > literal(ctx.thresholds["seo.traffic_drop_pct"]) * sessions_before,
        )
        .order_by((sessions_before - sessions).desc(), PageTraffic.landing_page)
        .limit(PAGE_EXCEPTIONS)
    )
    return _page_rows(ctx, query)


def _movers(ctx: TileContext, this_week: date, before: date, end: date) -> list[PageWeek]:
    """Return the judged pages whose sessions moved most, either way."""
    query = _pages(ctx, this_week, before, end)
    sessions, before_col = query.selected_columns.sessions, query.selected_columns.sessions_before
    minimum = ctx.thresholds.int("seo.min_sessions")
    query = (
        query.having(or_(before_col >= minimum, sessions >= minimum))
        .order_by(func.abs(sessions - before_col).desc(), PageTraffic.landing_page)
        .limit(MOVERS)
    )
    return _page_rows(ctx, query)


@dataclass(frozen=True)
class SiteWeek:
    """The whole site's sessions, conversions and landing-page revenue over 7 days."""

    sessions: int
    conversions: int
    revenue: Decimal

    def value(self, part: str) -> float | None:
        """Return one figure of the week: sessions, revenue or conversion rate."""
        if part == "rate":
            return self.conversions / self.sessions if self.sessions else None
        return float(self.revenue) if part == "revenue" else float(self.sessions)


def _site_weeks(ctx: TileContext, before: date, end: date) -> tuple[list[SiteWeek | None], Chart]:
    """Return the 7-day totals ending `end` shifted by 0..7 days (7: the week before) and the daily chart."""
    rows = ctx.session.execute(
        select(
            PageTraffic.day,
            func.sum(PageTraffic.sessions),
            func.sum(PageTraffic.conversions),
            func.sum(PageTraffic.revenue),
        )
        .where(PageTraffic.store_id == ctx.store.id, PageTraffic.day >= before, PageTraffic.day <= end)
        .group_by(PageTraffic.day)
    ).all()
    daily = {day: SiteWeek(int(s), int(c), money(r)) for day, s, c, r in rows}

    def week(shift: int) -> SiteWeek | None:
        cells = [daily[d] for k in range(7) if (d := end - timedelta(days=shift + k)) in daily]
        if not cells:
            return None
        return SiteWeek(
            sum(c.sessions for c in cells),
            sum(c.conversions for c in cells),
            sum((c.revenue for c in cells), Decimal("0.00")),
        )

    days = days_between(before, end)
    values: list[float | None] = [float(daily[d].sessions) if d in daily else None for d in days]
    chart = Chart(
        kind="line",
        title="Daily site sessions",
        x=[d.isoformat() for d in days],
        series=[Series(name="Sessions", values=values)],
    )
    return [week(k) for k in range(8)], chart


FIGURES: tuple[tuple[str, str, str, Unit], ...] = (
    ("sessions", "Sessions, last 7 days", "sessions", "count"),
    ("conversion_rate", "Conversion rate", "rate", "rate"),
    ("revenue", "Revenue from landing pages", "revenue", "money"),
)


def _figures(weeks: list[SiteWeek | None]) -> list[Figure]:
    def pick(i: int, part: str) -> float | None:
        week = weeks[i]
        return None if week is None else week.value(part)

    return [
        figure(
            key,
            label,
            pick(0, part),
            unit,
            last_week=pick(7, part),
            baseline=mean([pick(k, part) for k in range(1, 8)]),
        )
        for key, label, part, unit in FIGURES
    ]


def _page_exception(page: PageWeek, flat_pct: float, currency: str) -> TileException:
    traffic_pct = change_pct(page.sessions, page.sessions_before)
    verdict = rules.quadrant(
        traffic_pct, change_pct(float(page.revenue), float(page.revenue_before)), flat_pct
    )
    return TileException(
        key=f"page_drop_{page.record_id}",
        title=f"{page.page}: traffic {fmt_pct(traffic_pct)}",
        detail=f"Sessions {page.sessions_before:,} -> {page.sessions:,}, revenue "
        f"{fmt_money(page.revenue_before, currency)} -> {fmt_money(page.revenue, currency)} "
        f"({verdict.meaning}).",
        severity=Status.warning,
        money_at_stake=page.lost_revenue,
        action="Content audit, SEO check.",
        records=[ref("page", page.record_id, page.page)],
        record_count=1,
    )


def _verdict(
    site: rules.Quadrant,
    site_drop: bool,
    site_lost: Decimal,
    dropped: list[PageWeek],
    flagged: int,
    th: Tunables,
    traffic_pct: float | None,
    sales_pct: float | None,
) -> tuple[Status, str, Decimal | None, str, str]:
    """Return the status, action, money at stake, reason and guide rule: site-wide drop first, then pages."""
    limit = th["seo.traffic_drop_pct"]
    if site_drop:
        reason = f"Site traffic is {fmt_pct(traffic_pct)} week over week; a drop over {limit:g}% is critical."
        rule = f"Traffic drop >{limit:g}% -> Emergency marketing review"
        return Status.critical, "Emergency marketing review.", site_lost, reason, rule
    note = f"; {flagged} page{'s' if flagged != 1 else ''} lost over {limit:g}% of traffic" if flagged else ""
    if flagged and site.severity.rank < Status.warning.rank:
        stake = sum((p.lost_revenue for p in dropped), Decimal("0.00"))
        action = "Content audit, SEO check of the pages that lost traffic."
        reason = f"{site.meaning} site-wide{note} week over week."
        return Status.warning, action, stake, reason, "Page-specific drops -> Content audit, SEO check"
    reason = (
        f"{site.meaning}: traffic {fmt_pct(traffic_pct)}, sales {fmt_pct(sales_pct)} week over week{note}."
    )
    rule = f"Traffic {site.traffic} + Sales {site.sales} = {site.meaning}"
    return site.severity, site.action, None, reason, rule


def compute(ctx: TileContext) -> TileResult:
    """Compute the SEO Content tile over the last two complete weeks, whatever the window."""
    th, cur = ctx.thresholds, ctx.currency
    today = local_date(ctx.now.astimezone(UTC), ctx.tz)
    end, this_week, before = today - timedelta(days=1), today - timedelta(days=7), today - timedelta(days=14)
    weeks, chart = _site_weeks(ctx, before, end)
    now_week, last_week = weeks[0], weeks[7]
    traffic_pct = sales_pct = None
    if now_week is not None and last_week is not None:
        traffic_pct = change_pct(now_week.sessions, last_week.sessions)
        sales_pct = change_pct(float(now_week.revenue), float(last_week.revenue))
    site = rules.quadrant(traffic_pct, sales_pct, th["seo.flat_pct"])
    dropped = _dropped_pages(ctx, this_week, before, end)
    movers = _movers(ctx, this_week, before, end)
    flagged = dropped[0].flagged_total if dropped else 0

    exceptions: list[TileException] = []
    site_lost = Decimal("0.00")
    site_drop = False
    if now_week is not None and last_week is not None:
        site_drop = rules.is_dropped(last_week.sessions, now_week.sessions, 0, th["seo.traffic_drop_pct"])
    if site_drop and now_week is not None and last_week is not None:
        whole = PageWeek(
            "site", 0, now_week.sessions, last_week.sessions, now_week.revenue, last_week.revenue
        )
        site_lost = whole.lost_revenue
        falling = [p for p in movers if p.sessions < p.sessions_before]
        exceptions.append(
            TileException(
                key="site_traffic_drop",
                title=f"Site traffic {fmt_pct(traffic_pct)} week over week",
                detail=f"Sessions fell from {last_week.sessions:,} to {now_week.sessions:,}; at the earlier "
                f"week's revenue per session that is {fmt_money(site_lost, cur)} of sales.",
                severity=Status.critical,
                money_at_stake=site_lost,
                action="Emergency marketing review.",
                records=[ref("page", p.record_id, p.page) for p in falling],
                record_count=len(falling),
            )
        )
    exceptions += [_page_exception(p, th["seo.flat_pct"], cur) for p in dropped]

    status, action, stake, reason, rule = _verdict(
        site, site_drop, site_lost, dropped, flagged, th, traffic_pct, sales_pct
    )
    movers_chart = Chart(
        kind="bar",
        title="Biggest movers, sessions week over week",
        x=[p.page for p in movers],
        series=[
            Series(name="The 7 days before", values=[float(p.sessions_before) for p in movers]),
            Series(name="Last 7 days", values=[float(p.sessions) for p in movers]),
        ],
    )
    return TileResult(
        name=NAME,
        title=TITLE,
        status=status,
        status_reason=reason,
        window=ctx.window.name.value,
        window_label="Last 7 complete days",
        computed_at=ctx.now,
        currency=cur,
        figures=_figures(weeks),
        chart=chart,
        extra_charts=[movers_chart],
        exceptions=exceptions,
        recommendation=Recommendation(
            action=action, why=reason, money_at_stake=stake or None, playbook=f"{rules.PLAYBOOK}: {rule}"
        ),
    )
