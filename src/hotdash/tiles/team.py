"""Team Performance: each support operator and sales rep against their personal targets, coaching and
recognition, and the guide's answer to "Should we hire another support operator?".

Operators are measured over the last team.window_days whole local days (today, a few hours old, would make
everyone look idle) on the tickets assigned to them and created in that span. First response is counted in
business minutes per ticket on numpy arrays; everything else is aggregated in the database.

Decisions where the guide is silent:
- Working days are the operator's work_days on which the store was open (holidays excluded).
- A metric on which the team's median judged operator is itself under the coaching line is a shared cause
  (`playbook.team_wide`): raised once for the team, not held against individuals. For tickets per day that
  means low demand, and is not raised at all.
- The hire signal's capacity is all the store's tickets in the span per operator working day.
"""

from __future__ import annotations

import statistics
from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, select

from hotdash.kernel.calendar import to_micros
from hotdash.store.models import Order, TeamMember, Ticket
from hotdash.store.rollups import sales_totals_many
from hotdash.tiles import sla
from hotdash.tiles.context import TileContext
from hotdash.tiles.cx import escalation_counts, local_days
from hotdash.tiles.format import format_value
from hotdash.tiles.playbook import team as playbook
from hotdash.tiles.schemas import (
    Chart,
    Figure,
    Recommendation,
    RecordRef,
    Series,
    Status,
    TileException,
    TileResult,
    Trend,
)
from hotdash.tiles.windows import change_pct

CHART_CAP_PCT = 200.0  # bars past twice the target only make the others unreadable
REVENUE_DAYS = 30


def _midnight(ctx: TileContext, day: date) -> datetime:
    return datetime.combine(day, time(0), ctx.tz)


def _tallies(ctx: TileContext, ids: list[int], start: datetime, end: datetime) -> dict[int, list[float]]:
    """Return per operator: tickets, quality sum and count, CSAT sum and count, escalated; in one scan."""
    rows = ctx.session.execute(
        select(
            Ticket.assignee_id,
            func.count(),
            func.sum(Ticket.quality_score),
            func.count(Ticket.quality_score),
            func.sum(Ticket.csat),
            func.count(Ticket.csat),
            func.sum(case((Ticket.is_escalated, 1), else_=0)),
        )
        .where(Ticket.assignee_id.in_(ids), Ticket.created_at >= start, Ticket.created_at < end)
        .group_by(Ticket.assignee_id)
    ).all()
    return {row[0]: [float(v or 0) for v in row[1:]] for row in rows}


def _means(tally: list[float]) -> tuple[float | None, float | None, float | None]:
    """Return mean quality, mean CSAT and escalation share of one tally (None where nothing was rated)."""
    count, quality, reviewed, csat, rated, escalated = tally
    return (
        quality / reviewed if reviewed else None,
        csat / rated if rated else None,
        escalated / count if count else None,
    )


def _operators(ctx: TileContext, days: list[date]) -> list[dict[str, Any]]:
    """Return each active support operator's measures and targets over `days`."""
    t = ctx.thresholds
    members = ctx.session.scalars(
        select(TeamMember)
        .where(TeamMember.store_id == ctx.store.id, TeamMember.is_active, TeamMember.role == "support")
        .order_by(TeamMember.name)
    ).all()
    if not members:
        return []
    ids = [m.id for m in members]
    start, end = _midnight(ctx, days[0]), _midnight(ctx, days[-1] + timedelta(days=1))
    in_span = and_(Ticket.assignee_id.in_(ids), Ticket.created_at >= start, Ticket.created_at < end)
    tallies = _tallies(ctx, ids, start, end)
    answered = ctx.session.execute(
        select(
            Ticket.assignee_id, sla.as_stored(Ticket.created_at), sla.as_stored(Ticket.first_response_at)
        ).where(in_span, Ticket.first_response_at.is_not(None))
    ).all()
    who, created, replied = list(zip(*answered, strict=True)) if answered else ([], [], [])
    minutes = sla.waited_minutes(ctx.calendar, sla.stored_micros(created), sla.stored_micros(replied))
    position = {member_id: i for i, member_id in enumerate(ids)}
    slot = np.array([position[w] for w in who], dtype=np.int64)
    replies = np.bincount(slot, minlength=len(ids))
    total = np.bincount(slot, weights=minutes, minlength=len(ids))
    edges = to_micros([_midnight(ctx, d) for d in [*days, days[-1] + timedelta(days=1)]])
    open_days = ctx.calendar.elapsed(edges[:-1], edges[1:]) > 0  # the store opened that day
    operators = []
    for i, m in enumerate(members):
        tally = tallies.get(m.id, [0.0] * 6)
        count = int(tally[0])
        quality, csat, escalation_rate = _means(tally)
        working = sum(
            1 for d, o in zip(days, open_days, strict=True) if o and str(d.isoweekday()) in m.work_days
        )
        actual = {
            "tickets_per_day": count / working if working else None,
            "first_response": float(total[i] / replies[i]) if replies[i] else None,
            "quality": quality,
            "csat": csat,
            "escalation_rate": escalation_rate,
        }
        target = {
            "tickets_per_day": m.target_tickets_per_day or t["team.target_tickets_per_day"],
            "first_response": m.target_first_response_minutes or t["team.target_first_response_minutes"],
            "quality": m.target_quality or t["team.target_quality_pct"] / 100,
            "csat": m.target_csat or t["team.target_csat"],
            "escalation_rate": m.target_escalation_rate or t["team.target_escalation_rate_pct"] / 100,
        }
        pct = {
            k.key: playbook.performance_pct(actual[k.key], float(target[k.key]), k.lower_is_better)
            for k in playbook.METRICS
        }
        operators.append(
            {"member": m, "tickets": int(count), "working": working, "actual": actual, "target": target,
             "pct": pct, "replies": int(replies[i]), "reply_minutes": float(total[i]), "tally": tally}
        )  # fmt: skip
    return operators


def _sales_reps(ctx: TileContext) -> list[dict[str, Any]]:
    """Return each active sales rep's revenue this month against the prorated target, and AOV against last
    month's."""
    reps = ctx.session.scalars(
        select(TeamMember)
        .where(TeamMember.store_id == ctx.store.id, TeamMember.is_active, TeamMember.role == "sales")
        .order_by(TeamMember.name)
    ).all()
    if not reps:
        return []
    today = ctx.now.astimezone(ctx.tz).date()
    month = _midnight(ctx, today.replace(day=1))
    last = _midnight(ctx, (today.replace(day=1) - timedelta(days=1)).replace(day=1))
    following = month + timedelta(days=monthrange(today.year, today.month)[1])  # wall clock: next midnight
    # In UTC, so a month with a daylight-saving change has its true length.
    elapsed = (ctx.now - month.astimezone(UTC)) / (following.astimezone(UTC) - month.astimezone(UTC))
    this_month = Order.placed_at >= month
    rows = ctx.session.execute(
        select(
            Order.staff_id,
            func.sum(case((this_month, 1), else_=0)),
            func.sum(case((this_month, Order.total), else_=0)),
            func.sum(case((this_month, 0), else_=1)),
            func.sum(case((this_month, 0), else_=Order.total)),
        )
        .where(
            # store_id + 0: without statistics SQLite would walk every order of the store by date instead
            # of the few each rep took, found through the (staff_id, placed_at) index.
            Order.store_id + 0 == ctx.store.id,
            Order.staff_id.in_([r.id for r in reps]),
            Order.cancelled_at.is_(None),
            Order.placed_at >= last,
            Order.placed_at < ctx.now,
        )
        .group_by(Order.staff_id)
    ).all()
    by_rep = {row[0]: [float(v or 0) for v in row[1:]] for row in rows}
    result = []
    for rep in reps:
        orders, revenue, last_orders, last_revenue = by_rep.get(rep.id, [0.0, 0.0, 0.0, 0.0])
        target = float(rep.target_revenue_monthly) * elapsed if rep.target_revenue_monthly else None
        aov = revenue / orders if orders else None
        last_aov = last_revenue / last_orders if last_orders else None
        pct = revenue / target * 100 if target else None
        result.append(
            {
                "member": rep,
                "revenue": revenue,
                "target": target,
                "pct": pct,
                "aov": aov,
                "last_aov": last_aov,
            }
        )
    return result


def _hire(ctx: TileContext, operators: list[dict[str, Any]], days: list[date]) -> playbook.HireAnswer:
    """Check the guide's three hiring conditions."""
    t = ctx.thresholds
    hire_days = local_days(ctx, t.int("team.hire_days") + 1)[:-1]  # whole days, today left out
    daily = escalation_counts(ctx, [(a, b) for _, a, b in hire_days])
    now, span = ctx.now, timedelta(days=REVENUE_DAYS)
    recent, before = sales_totals_many(
        session=ctx.session, store_id=ctx.store.id, windows=[(now - span, now), (now - 2 * span, now - span)]
    )
    tickets = ctx.session.scalar(
        select(func.count()).where(
            Ticket.store_id == ctx.store.id,
            Ticket.created_at >= _midnight(ctx, days[0]),
            Ticket.created_at < _midnight(ctx, days[-1] + timedelta(days=1)),
        )
    )
    working = sum(o["working"] for o in operators)
    return playbook.hire_decision(
        daily,
        t["team.hire_escalations_per_day"],
        change_pct(float(recent.revenue), float(before.revenue)),
        (tickets or 0) / working if working else None,
        t["team.capacity_tickets_per_day"],
    )


def _coaching(member: TeamMember, title: str, detail: str) -> TileException:
    ref = RecordRef(entity="team_member", id=member.id, label=member.name)
    return TileException(key=f"coaching:{member.id}", title=title, detail=detail, severity=Status.watch,
                         action=playbook.COACHING_ACTION, records=[ref], record_count=1)  # fmt: skip


def _judge(
    ctx: TileContext, operators: list[dict[str, Any]]
) -> tuple[list[TileException], list[TeamMember], int]:
    """Return team-wide and coaching exceptions, the outstanding, and how many operators were judged."""
    t, line = ctx.thresholds, ctx.thresholds["team.coaching_pct"]
    enough = [o for o in operators if o["tickets"] >= t.int("team.min_tickets")]
    team = {m.key: [o["pct"][m.key] for o in enough if o["pct"][m.key] is not None] for m in playbook.METRICS}
    shared = playbook.team_wide(team, line)
    found: list[TileException] = []
    praised: list[TeamMember] = []
    for metric in playbook.METRICS:
        if metric.key in shared and metric.key != "tickets_per_day":  # low volume is low demand: no alarm
            found.append(TileException(
                key=f"team:{metric.key}", title=f"Team-wide: {metric.label}", severity=Status.watch,
                action=playbook.TEAM_ACTION,
                detail=f"The typical operator is at {statistics.median(team[metric.key]):.1f}% of target: a "
                "shared cause, not one person, so it is not held against anyone.",
            ))  # fmt: skip
    for o in operators:
        pcts = {k: (None if k in shared else v) for k, v in o["pct"].items()}
        verdict = playbook.judge_operator(pcts, o["tickets"], t.int("team.min_tickets"), line)
        notes = [
            playbook.describe(k, o["actual"][k], float(o["target"][k]), o["pct"][k]) for k in verdict.coaching
        ]
        if notes:
            found.append(
                _coaching(o["member"], f"1-on-1 coaching: {o['member'].name}", "; ".join(notes) + ".")
            )
        elif verdict.outstanding:
            praised.append(o["member"])
    for rep in _sales_reps(ctx):
        sales = playbook.sales_verdict(rep["pct"], line)
        if sales == "coaching":
            aov = f"; AOV {_money(ctx, rep['aov'])}" if rep["aov"] is not None else ""
            aov += f" vs {_money(ctx, rep['last_aov'])} last month" if rep["last_aov"] is not None else ""
            detail = (f"Revenue {_money(ctx, rep['revenue'])} this month, {rep['pct']:.1f}% of the prorated "
                      f"target {_money(ctx, rep['target'])}{aov}.")  # fmt: skip
            found.append(_coaching(rep["member"], f"1-on-1 coaching: {rep['member'].name} (sales)", detail))
        elif sales == "outstanding":
            praised.append(rep["member"])
    return found, praised, len(enough)


def _money(ctx: TileContext, value: float) -> str:
    return format_value(value, "money", ctx.currency)


def compute(ctx: TileContext) -> TileResult:
    """Compute the Team Performance tile."""
    t = ctx.thresholds
    today = ctx.now.astimezone(ctx.tz).date()
    days = [today - timedelta(days=k) for k in range(t.int("team.window_days"), 0, -1)]
    operators = _operators(ctx, days)
    exceptions, praised, judged = _judge(ctx, operators)
    coached = sum(1 for e in exceptions if e.key.startswith("coaching:") and not e.title.endswith("(sales)"))
    sales_coached = sum(1 for e in exceptions if e.title.endswith("(sales)"))
    shared = sum(1 for e in exceptions if e.key.startswith("team:"))
    hire = _hire(ctx, operators, days)
    if hire.verdict != "no":
        detail = hire.conditions(t["team.hire_escalations_per_day"], t.int("team.hire_days"),
                                 t["team.capacity_tickets_per_day"])  # fmt: skip
        severity = {"yes": Status.warning, "partial": Status.watch}.get(hire.verdict, Status.ok)
        exceptions.append(TileException(key="hire", title=hire.action.split(".")[0], detail=detail,
                                        severity=severity, action=hire.action))  # fmt: skip
    if praised:
        refs = [RecordRef(entity="team_member", id=p.id, label=p.name) for p in praised]
        exceptions.append(TileException(key="recognition", title=f"Outstanding: {len(praised)}",
                                        detail="Every metric at or above target.", severity=Status.ok,
                                        action=playbook.RECOGNITION_ACTION, records=refs,
                                        record_count=len(refs)))  # fmt: skip
    exceptions.sort(key=lambda e: -e.severity.rank)
    reason = f"{coached} of {judged} operators judged need coaching"
    reason += f", {shared} team-wide shortfall{'s' * (shared != 1)}" if shared else ""
    reason += f", {sales_coached} sales rep{'s' * (sales_coached != 1)} below target" if sales_coached else ""
    reason += f"; hire another operator? {hire.action.split(':')[0]}."
    first = exceptions[0] if exceptions and exceptions[0].severity is not Status.ok else None
    rec = Recommendation(
        action=f"{first.action} ({first.title})" if first else "Keep going: recognise what works",
        why=first.detail if first else reason,
        playbook=playbook.HIRE if first and first.key == "hire" else playbook.COACHING,
    )
    return TileResult(
        name="team", title="Team Performance", window=ctx.window.name.value, window_label=ctx.window.label,
        status=playbook.team_status(coached + shared, judged, sales_coached, hire.verdict),
        status_reason=reason,
        computed_at=ctx.now, currency=ctx.currency, figures=_figures(ctx, operators, days, coached),
        chart=_chart(operators), exceptions=exceptions, recommendation=rec,
    )  # fmt: skip


def _figures(
    ctx: TileContext, operators: list[dict[str, Any]], days: list[date], coached: int
) -> list[Figure]:
    ids = [o["member"].id for o in operators]
    start, end = _midnight(ctx, days[0]), _midnight(ctx, days[-1] + timedelta(days=1))
    week = timedelta(days=7)
    earlier = _tallies(ctx, ids, start - week, end - week) if ids else {}
    now = _means([sum(column) for column in zip(*[o["tally"] for o in operators], [0.0] * 6, strict=True)])
    before = _means([sum(column) for column in zip(*earlier.values(), [0.0] * 6, strict=True)])
    replies = sum(o["replies"] for o in operators)
    working = sum(o["working"] for o in operators)

    def trend(i: int, scale: float = 1.0) -> tuple[float | None, Trend]:
        value, old = now[i], before[i]
        current = value * scale if value is not None else None
        previous = old * scale if old is not None else None
        return current, Trend(previous=previous, change_pct=change_pct(current, previous))

    quality, quality_trend = trend(0, 100)
    csat, csat_trend = trend(1)
    rate, rate_trend = trend(2, 100)
    return [
        Figure(key="first_response", label="Average first response, business time",
               value=sum(o["reply_minutes"] for o in operators) / replies if replies else None,
               unit="minutes", better="down"),
        Figure(key="quality", label="Quality", value=quality, unit="percent", vs_last_week=quality_trend),
        Figure(key="csat", label="CSAT", value=csat, unit="score", vs_last_week=csat_trend),
        Figure(key="escalation_rate", label="Escalation rate", value=rate, unit="percent",
               vs_last_week=rate_trend, better="down"),
        Figure(key="tickets_per_operator_day", label="Tickets per operator per working day",
               value=sum(o["tickets"] for o in operators) / working if working else None, unit="per_day",
               better="neither"),
        Figure(key="coaching", label="Operators needing coaching", value=coached, unit="count",
               better="down"),
    ]  # fmt: skip


def _chart(operators: list[dict[str, Any]]) -> Chart:
    def capped(pct: float | None) -> float | None:
        return None if pct is None else min(pct, CHART_CAP_PCT)

    return Chart(
        kind="bar", title="Performance as % of target", unit="percent",
        x=[o["member"].name for o in operators],
        series=[Series(name=m.label, values=[capped(o["pct"][m.key]) for o in operators])
                for m in playbook.METRICS],
    )  # fmt: skip
