"""CX Escalations: escalation volume against the guide's bands, SLAs in business time, systemic patterns,
and the escalations that need the manager personally.

Counting runs in the database. Breaches of open tickets are counted there too: the business calendar's
`breach_cutoff` turns "waited more than 15 business minutes" into "created before instant c". Only the
tickets created in the window (a few hundred a day) come into Python, for per-ticket business-time
arithmetic on numpy arrays.

Decisions where the guide is silent:
- "Same issue" is a ticket category; "where is my order" tickets are split by the carrier of the order's
  shipment, since that is who fixes them. An issue's tickets are those created in the last
  cx.systemic_window_hours plus older ones (up to SYSTEMIC_BASELINE_DAYS) still open: a parcel stuck for
  four days is still a live complaint. A busy store's everyday volume is no pattern, so the count must also
  stand out from the issue's own level over the SYSTEMIC_BASELINE_DAYS before (playbook.is_systemic).
- Open means new, open, pending or on hold. The resolution share counts tickets resolved or already past the
  resolution SLA; a ticket still inside its SLA is not judged yet.
- Escalations are counted by `escalated_at` for tickets opened at most ESCALATION_LAG_DAYS before: the bound
  lets the (store, created_at) index serve the count, as there is no index on escalated_at.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from hotdash.kernel.calendar import to_micros
from hotdash.store import definitions as defs
from hotdash.store.definitions import ticket_is_open
from hotdash.store.models import Order, Refund, Shipment, Ticket
from hotdash.tiles import sla
from hotdash.tiles.context import TileContext
from hotdash.tiles.format import format_value
from hotdash.tiles.playbook import cx as playbook
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
from hotdash.tiles.windows import Window, WindowName, change_pct

MAX_RECORDS = 50
CHART_DAYS = 14
AT_RISK_MINUTES = 30
ESCALATION_LAG_DAYS = 14
SYSTEMIC_BASELINE_DAYS = 7


def _count(condition: ColumnElement[bool], value: Any = 1) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _trend(current: float | None, previous: float | None) -> Trend:
    return Trend(previous=previous, change_pct=change_pct(current, previous))


def _open(ctx: TileContext) -> ColumnElement[bool]:
    # "+ 0" keeps SQLite's planner, which has no statistics, off the (store, created_at) index: the status
    # index finds the few open tickets among all the store's closed ones. PostgreSQL plans by statistics.
    return and_(Ticket.store_id + 0 == ctx.store.id, ticket_is_open(Ticket))


def escalation_counts(ctx: TileContext, spans: list[tuple[datetime, datetime]]) -> list[int]:
    """Return the escalations in each [start, end) span, all in one pass over the tickets.

    The spans' edges cut time into segments; one CASE puts each escalation in its segment, which is far
    cheaper in SQLite than a CASE per span, and a span adds up the segments it covers.
    """
    edges = sorted({edge for span in spans for edge in span})
    segment = case(*[(Ticket.escalated_at < edge, i) for i, edge in enumerate(edges)], else_=len(edges))
    rows = ctx.session.execute(
        select(segment, func.count())
        .where(
            Ticket.store_id == ctx.store.id,
            Ticket.created_at >= edges[0] - timedelta(days=ESCALATION_LAG_DAYS),
            _in(Ticket.escalated_at, edges[0], edges[-1]),
        )
        .group_by(segment)
    ).all()
    per_segment = {int(i): int(n) for i, n in rows}
    index = {edge: i for i, edge in enumerate(edges)}
    return [sum(per_segment.get(i, 0) for i in range(index[a] + 1, index[b] + 1)) for a, b in spans]


def local_days(ctx: TileContext, count: int) -> list[tuple[date, datetime, datetime]]:
    """Return the last `count` local days up to now, oldest first, as (day, start, end); today ends now."""
    today = ctx.now.astimezone(ctx.tz).date()
    days = [today - timedelta(days=k) for k in range(count - 1, -1, -1)]
    starts = [datetime.combine(d, time(0), ctx.tz) for d in days]
    return list(zip(days, starts, [*starts[1:], ctx.now], strict=True))


def _escalations(ctx: TileContext) -> tuple[list[int], list[tuple[date, int]]]:
    """Return escalations in the last 24 h and the 7 same spans before it, and per local day for the chart."""
    last24 = ctx.window_named(WindowName.last_24h)
    days = local_days(ctx, CHART_DAYS)
    spans = [(w.start, w.end) for w in (last24, *last24.baseline())] + [(a, b) for _, a, b in days]
    counts = escalation_counts(ctx, spans)
    return counts[:8], [(d, n) for (d, _, _), n in zip(days, counts[8:], strict=True)]


def _window_stats(ctx: TileContext, window: Window) -> sla.SlaStats:
    """Return the SLA figures of the tickets created in `window`, as they stood at its end."""
    t = ctx.thresholds
    rows = ctx.session.execute(
        select(
            sla.as_stored(Ticket.created_at),
            sla.as_stored(Ticket.first_response_at),
            sla.as_stored(Ticket.resolved_at),
            defs.ticket_is_urgent(Ticket, t["cx.high_value_above"]),
        ).where(Ticket.store_id == ctx.store.id, _in(Ticket.created_at, window.start, window.end))
    ).all()
    created, answered, resolved, urgent = list(zip(*rows, strict=True)) if rows else ([], [], [], [])
    # The SLA module times by priority; the shared definition of "urgent" decides which tickets are.
    priority = [defs.URGENT_PRIORITY if is_urgent else "other" for is_urgent in urgent]
    return sla.sla_stats(
        ctx.calendar,
        created=sla.stored_micros(created),
        first_response=sla.stored_micros(answered),
        resolved=sla.stored_micros(resolved),
        first_response_limits=sla.first_response_limits(
            priority, t["cx.urgent_first_response_minutes"], t["cx.first_response_minutes"]
        ),
        resolution_minutes=t["cx.resolution_hours"] * 60,
        as_of=int(to_micros([min(window.end, ctx.now)])[0]),
    )


def _unanswered_past(ctx: TileContext, moment: datetime) -> ColumnElement[bool]:
    """Unanswered tickets that have waited past their first-response SLA at `moment`, as a SQL condition."""
    t, cal = ctx.thresholds, ctx.calendar
    urgent = cal.breach_cutoff(moment, t["cx.urgent_first_response_minutes"])
    other = cal.breach_cutoff(moment, t["cx.first_response_minutes"])
    is_urgent = defs.ticket_is_urgent(Ticket, t["cx.high_value_above"])
    return and_(
        defs.ticket_is_unanswered(Ticket),
        or_(and_(is_urgent, Ticket.created_at < urgent), and_(~is_urgent, Ticket.created_at < other)),
    )


def _open_tickets(ctx: TileContext) -> tuple[int, dict[str, list[Any]]]:
    """Return the number of open tickets and, per exception kind, the open tickets in it, oldest first."""
    t, cal = ctx.thresholds, ctx.calendar
    soon = ctx.now + timedelta(minutes=AT_RISK_MINUTES)
    breached = _unanswered_past(ctx, ctx.now)
    resolution = t["cx.resolution_hours"] * 60
    resolving = _in(
        Ticket.created_at,
        cal.breach_cutoff(ctx.now, resolution),
        cal.breach_cutoff(soon, resolution),
    )
    flags: dict[str, ColumnElement[bool]] = {
        "legal": Ticket.legal_threat.is_(True),
        "regulatory": Ticket.regulatory_threat.is_(True),
        "high_value": defs.ticket_is_high_value(Ticket, t["cx.high_value_above"]),
        # Only escalated tickets need their customer looked up (AND stops at the first false on both).
        "vip": and_(Ticket.is_escalated, defs.has_vip_customer(Ticket.customer_id)),
        "first_response_breached": breached,
        "at_risk": or_(and_(_unanswered_past(ctx, soon), ~breached), resolving),
    }
    open_count = ctx.session.scalar(select(func.count()).select_from(Ticket).where(_open(ctx))) or 0
    rows = ctx.session.execute(
        select(Ticket.id, Ticket.subject, Ticket.value_at_stake, *[c.label(k) for k, c in flags.items()])
        .where(_open(ctx), or_(*flags.values()))
        .order_by(Ticket.created_at, Ticket.id)
    ).all()
    return int(open_count), {k: [r for r in rows if getattr(r, k)] for k in flags}


def _refunds(ctx: TileContext) -> list[Any]:
    """Return the pending refund requests above the approval line, largest first."""
    query = (
        select(
            Refund.id,
            Refund.amount,
            Order.number,
            defs.above(Refund.amount, ctx.thresholds["cx.high_value_above"]).label("high_value"),
        )
        .join(Order, Order.id == Refund.order_id)
        .where(
            Order.store_id == ctx.store.id,
            defs.refund_needs_approval(Refund, ctx.thresholds["cx.refund_approval_above"]),
        )
        .order_by(Refund.amount.desc(), Refund.id)
    )
    return list(ctx.session.execute(query).all())


def _systemic(ctx: TileContext) -> list[TileException]:
    """Return one exception per issue that keeps coming back (see the module docstring)."""
    t = ctx.thresholds
    hours = t["cx.systemic_window_hours"]
    recent = ctx.now - timedelta(hours=hours)
    since = recent - timedelta(days=SYSTEMIC_BASELINE_DAYS)
    live = or_(Ticket.created_at >= recent, ticket_is_open(Ticket))
    scope = and_(Ticket.store_id == ctx.store.id, _in(Ticket.created_at, since, ctx.now))
    tallies = (_count(live), _count(Ticket.created_at < recent), _count(live, Ticket.value_at_stake))
    # Only "where is my order" tickets are joined to their shipment. An order shipped in two parcels counts
    # once per parcel's carrier: the customer's question is about both.
    shipment = and_(Ticket.category == "wismo", Shipment.order_id == Ticket.order_id)
    groups = ctx.session.execute(
        select(Ticket.category, Shipment.carrier, *tallies)
        .outerjoin(Shipment, shipment)
        .where(scope, Ticket.category.is_not(None))
        .group_by(Ticket.category, Shipment.carrier)
    ).all()
    found: list[TileException] = []
    for category, carrier_name, count, older, value in groups:
        expected = older * hours / (SYSTEMIC_BASELINE_DAYS * 24)
        if not playbook.is_systemic(int(count), expected, t.int("cx.systemic_min")):
            continue
        same = Shipment.carrier == carrier_name if carrier_name is not None else Shipment.carrier.is_(None)
        listed = ctx.session.execute(
            select(Ticket.id, Ticket.subject)
            .outerjoin(Shipment, shipment)
            .where(scope, live, Ticket.category == category, same)
            .order_by(Ticket.created_at.desc())
            .limit(MAX_RECORDS)
        ).all()
        issue, owner = f"'{category.replace('_', ' ')}' tickets", playbook.owner_for(category, carrier_name)
        if category == "wismo":
            parcels = f"about {carrier_name} parcels" if carrier_name else "about orders not shipped yet"
            issue = f"'where is my order' tickets {parcels}"
        found.append(
            TileException(
                key=f"systemic:{category}:{carrier_name or ''}".lower().replace(" ", "-"),
                title=f"Systemic: {count} {issue}",
                detail=f"{count} in the last {hours:g} h or still open, against about {expected:.1f} "
                f"usually: one cause, likely with {owner}.",
                severity=Status.warning,
                money_at_stake=Decimal(str(value)).quantize(Decimal("0.01")) if value else None,
                action=playbook.SYSTEMIC_ACTION.format(owner=owner),
                records=[RecordRef(entity="ticket", id=r.id, label=f"#{r.id} {r.subject}") for r in listed],
                record_count=int(count),
            )
        )
    return sorted(found, key=lambda e: -e.record_count)


def compute(ctx: TileContext) -> TileResult:
    """Compute the CX Escalations tile."""
    t = ctx.thresholds
    escalations, per_day = _escalations(ctx)
    this, last = _window_stats(ctx, ctx.window), _window_stats(ctx, ctx.window.last_week())
    open_count, lists = _open_tickets(ctx)
    refunds = _refunds(ctx)
    lists["refunds_personal"] = [r for r in refunds if r.high_value]
    lists["refunds_approval"] = [r for r in refunds if not r.high_value]
    systemic = _systemic(ctx)

    def money(value: Any) -> str:
        return format_value(float(value), "money", ctx.currency)

    names = {
        "high_value": money(t["cx.high_value_above"]),
        "approval": money(t["cx.refund_approval_above"]),
        "urgent": f"{t['cx.urgent_first_response_minutes']:g}",
        "other": f"{t['cx.first_response_minutes']:g}",
    }
    exceptions = list(systemic)
    for key, kind in playbook.KINDS.items():
        rows = lists[key]
        if not rows:
            continue
        refund = key.startswith("refunds")
        severity = kind.severity
        if key in ("legal", "regulatory") and any(r.first_response_breached for r in rows):
            severity = Status.critical  # "acknowledge immediately" has already been missed
        amounts = [r.amount if refund else r.value_at_stake for r in rows]
        exceptions.append(
            TileException(
                key=key,
                title=f"{kind.title.format(**names)}: {len(rows)}",
                detail=kind.detail.format(**names),
                severity=severity,
                money_at_stake=sum((a for a in amounts if a is not None), Decimal("0")) or None,
                action=kind.action,
                records=[
                    RecordRef(entity="refund", id=r.id, label=f"{money(r.amount)} for order {r.number}")
                    if refund
                    else RecordRef(entity="ticket", id=r.id, label=f"#{r.id} {r.subject}")
                    for r in rows[:MAX_RECORDS]
                ],
                record_count=len(rows),
            )
        )
    exceptions.sort(key=lambda e: -e.severity.rank)  # stable: within a severity, the order above

    counts = {key: len(rows) for key, rows in lists.items()}
    signals = playbook.CxSignals(
        escalations_24h=escalations[0],
        systemic=len(systemic),
        resolved_within_pct=this.resolved_within_pct,
        first_response_breaches=counts.pop("first_response_breached"),
        **counts,
    )
    verdict = playbook.assess(
        signals,
        t["cx.escalations_normal_max"],
        t["cx.escalations_high_min"],
        t["cx.escalations_critical_above"],
    )
    chosen = next((e for e in exceptions if e.key.split(":")[0] == verdict.exception_key), None)
    # A tile is as bad as its worst exception: a threat left unanswered past 15 minutes is critical.
    status = Status.worst(verdict.status, *(e.severity for e in exceptions))
    figures = [
        Figure(key="escalations", label="Escalations, last 24 h", value=escalations[0], unit="count",
               vs_last_week=_trend(escalations[0], escalations[7]),
               vs_baseline=_trend(escalations[0], sum(escalations[1:8]) / 7), better="down"),
        Figure(key="open_tickets", label="Open tickets", value=open_count, unit="count", better="down"),
        Figure(key="first_response_breaches", label="Waiting past first-response SLA",
               value=len(lists["first_response_breached"]), unit="count", better="down"),
        Figure(key="window_first_response_breaches", label=f"First-response breaches, {ctx.window.label}",
               value=this.first_response_breaches, unit="count", better="down",
               vs_last_week=_trend(this.first_response_breaches, last.first_response_breaches)),
        Figure(key="median_first_response", label="Median first response, business time",
               value=this.median_first_response, unit="minutes", better="down",
               vs_last_week=_trend(this.median_first_response, last.median_first_response)),
        Figure(key="resolved_within_target", label=f"Resolved within {t['cx.resolution_hours']:g} h",
               value=this.resolved_within_pct, unit="percent", better="up",
               vs_last_week=_trend(this.resolved_within_pct, last.resolved_within_pct)),
    ]  # fmt: skip
    return TileResult(
        name="cx",
        title="CX Escalations",
        status=status,
        status_reason=verdict.reason,
        window=ctx.window.name.value,
        window_label=ctx.window.label,
        computed_at=ctx.now,
        currency=ctx.currency,
        figures=figures,
        chart=Chart(
            kind="bar",
            title="Escalations per day",
            x=[d.isoformat() for d, _ in per_day],
            series=[Series(name="Escalations", values=[float(n) for _, n in per_day])],
        ),
        exceptions=exceptions,
        recommendation=Recommendation(
            action=chosen.action if chosen is not None and chosen.action else verdict.action,
            why=verdict.why,
            money_at_stake=chosen.money_at_stake if chosen is not None else None,
            playbook=verdict.playbook,
        ),
    )
