"""Fulfillment Health: orders past their promise now, how late, where they are stuck, and what to do.

Delayed means: open (unfulfilled or partial, not cancelled) past its ship-by, or shipped and not delivered
(status fulfilled) past its deliver-by; the delay runs from the missed promise. The tile is the state now,
whatever window the dashboard shows.

Decisions where the guide is silent:
- Age buckets are exclusive: an order 80 hours late is in the refund-offer bucket only, since that action
  includes the lesser ones. Exactly 24 hours late is not "over 24 hours".
- A carrier (or warehouse) "holds most delays" with over half of the delayed parcels (orders) and at least
  fulfillment.investigate_min of them: two late parcels out of three are no pattern.
- A parcel's carrier is that of its order's latest shipment; orders not yet shipped count as "not shipped".
- Parcels on their way with no carrier scan for SILENT_PARCEL_HOURS are flagged; the guide has no number.
- Last week's figures are as things stood 7 days ago, read from the delay spans (queries.delay_history).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, Integer, String, case, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from hotdash.store.definitions import order_is_late_in_transit, order_is_late_unshipped
from hotdash.store.models import Location, Order, Shipment
from hotdash.tiles.context import TileContext
from hotdash.tiles.playbook import fulfillment as rules
from hotdash.tiles.queries import (
    RECORDS_LISTED,
    delay_history,
    figure,
    fmt_money,
    money,
    ref,
    summary_and_first,
    unindexed,
)
from hotdash.tiles.schemas import Chart, Recommendation, RecordRef, Series, Status, TileException, TileResult

NAME, TITLE = "fulfillment", "Fulfillment Health"
NOT_SHIPPED, UNASSIGNED = "not shipped", "unassigned"
SILENT_PARCEL_HOURS = 72  # ours: the guide names no number; worth a named threshold if managers tune it
TEXT = String()


@dataclass
class Group:
    """Delayed orders (or silent parcels) sharing a bucket, warehouse or carrier."""

    count: int = 0
    value: Decimal = Decimal("0.00")
    oldest: datetime | None = None
    records: list[RecordRef] = field(default_factory=list)


def _delayed(store_id: int, now: datetime, buckets: list[rules.AgeBucket]) -> CTE:
    """Open orders past ship-by and shipped, undelivered ones past deliver-by, with the missed promise."""
    carrier = (
        select(Shipment.carrier)
        .where(Shipment.order_id == Order.id)
        .order_by(Shipment.shipped_at.desc().nulls_last(), Shipment.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    mine = unindexed(Order.store_id) == store_id
    columns = (Order.id, Order.number, Order.total, Order.location_id)
    unshipped = select(
        *columns, Order.ship_by.label("promise_at"), cast(null(), TEXT).label("carrier")
    ).where(order_is_late_unshipped(Order, now), mine)
    # The two halves of the shared "delayed order", one SELECT each so each uses its promise index.
    in_transit = select(*columns, Order.deliver_by, carrier).where(order_is_late_in_transit(Order, now), mine)
    both = union_all(unshipped, in_transit).subquery()
    bucket = case(
        *[(both.c.promise_at < now - timedelta(hours=b.after_hours), literal(b.key)) for b in buckets],
        else_=literal("recent"),
    )
    return select(both, bucket.label("bucket")).cte("delayed").prefix_with("MATERIALIZED")


def _current(
    session: Session, store_id: int, now: datetime, buckets: list[rules.AgeBucket]
) -> dict[Any, Group]:
    """Return the delayed orders counted per bucket, warehouse and carrier, with the oldest of each listed.

    One statement over the delayed orders, materialized once: counts by GROUP BY, and the oldest records
    (LIMITed) of all of them, of each bucket, and of the carrier and the warehouse with the most delays (the
    only ones that can hold most of them).
    """
    d = _delayed(store_id, now, buckets)
    location = func.coalesce(cast(d.c.location_id, TEXT), UNASSIGNED)
    carrier = func.coalesce(d.c.carrier, NOT_SHIPPED)
    keys = {
        "all": cast(literal("all"), TEXT),
        "bucket": cast(d.c.bucket, TEXT),
        "location": location,
        "carrier": carrier,
    }
    parts: list[Any] = [
        select(
            literal(grp).label("grp"),
            key.label("key"),
            func.count().label("n"),
            func.sum(d.c.total),
            func.min(d.c.promise_at),
            cast(null(), d.c.id.type).label("id"),
            cast(null(), TEXT),
        ).group_by(key)
        for grp, key in keys.items()
    ]
    top_carrier = select(d.c.carrier).where(d.c.carrier.is_not(None)).group_by(d.c.carrier)
    top_location = select(location).group_by(location).order_by(func.count().desc(), location).limit(1)
    listed: list[tuple[str, Any, Any]] = [
        ("all", "all", None),
        (
            "carrier",
            carrier,
            d.c.carrier == top_carrier.order_by(func.count().desc(), d.c.carrier).limit(1).scalar_subquery(),
        ),
        ("location", location, location == top_location.scalar_subquery()),
        *[("bucket", b.key, d.c.bucket == b.key) for b in buckets],
    ]
    blanks = (cast(null(), Integer), cast(null(), d.c.total.type), cast(null(), d.c.promise_at.type))
    for grp, key, where in listed:
        first = select(
            literal(grp).label("grp"), cast(key, TEXT).label("key"), d.c.id, d.c.number, d.c.promise_at
        )
        first = first.where(where) if where is not None else first
        sub = first.order_by(d.c.promise_at, d.c.id).limit(RECORDS_LISTED).subquery()
        parts.append(select(sub.c.grp, sub.c.key, *blanks, sub.c.id, sub.c.number))
    groups: dict[Any, Group] = {}
    rows = session.execute(union_all(*parts)).all()
    for grp, key, n, value, oldest, _id, _number in rows:
        if _id is None:
            groups[(grp, key)] = Group(int(n), money(value), oldest)
    for grp, key, _n, _value, _oldest, record_id, number in rows:
        if record_id is not None and (grp, key) in groups:
            groups[(grp, key)].records.append(ref("order", record_id, number))
    return groups


def _silent(session: Session, store_id: int, now: datetime) -> Group:
    """Return the parcels on their way whose last carrier scan is older than SILENT_PARCEL_HOURS."""
    last_scan = func.coalesce(Shipment.last_event_at, Shipment.shipped_at).label("last_scan")
    # Driven from the undelivered parcels by their last scan (ix_shipments_undelivered_last_scan): only the
    # silent ones are read, and one order row for each, to check its store and status.
    query = (
        select(
            Shipment.id,
            Shipment.carrier,
            Shipment.tracking_number,
            Order.number,
            Order.total,
            last_scan,
        )
        .join(Order, Order.id == Shipment.order_id)
        .where(
            Shipment.delivered_at.is_(None),
            last_scan < now - timedelta(hours=SILENT_PARCEL_HOURS),
            Shipment.status.not_in(("delivered", "returned")),
            Order.fulfillment_status.in_(("fulfilled", "partial")),
            Order.cancelled_at.is_(None),
            unindexed(Order.store_id) == store_id,
        )
    )
    rows = [
        r for r in session.execute(summary_and_first(query, ("last_scan", "id"))).all() if r.id is not None
    ]
    if not rows:
        return Group()
    labels = [" ".join(p for p in (r.number, r.carrier, r.tracking_number) if p) for r in rows]
    refs = [ref("shipment", r.id, label) for r, label in zip(rows, labels, strict=True)]
    return Group(int(rows[0].n_all), money(rows[0].value_all), None, refs)


def _exception(
    key: str, title: str, detail: str, severity: Status, action: str, group: Group
) -> TileException:
    return TileException(
        key=key,
        title=title,
        detail=detail,
        severity=severity,
        money_at_stake=group.value,
        action=action,
        records=group.records,
        record_count=group.count,
    )


def _hours(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else round((now - since).total_seconds() / 3600, 1)


def _bars(title: str, labels: list[str], groups: list[Group]) -> Chart:
    values: list[float | None] = [float(g.count) for g in groups]
    return Chart(kind="bar", title=title, x=labels, series=[Series(name="Delayed orders", values=values)])


def _hotspots(groups: dict[Any, Group], names: dict[str, str], total: int, least: int) -> list[TileException]:
    """Return an exception for a carrier holding most delayed parcels and a warehouse holding most delays."""
    found: list[TileException] = []
    carriers = {k: g for (grp, k), g in groups.items() if grp == "carrier" and k != NOT_SHIPPED}
    parcels = sum(g.count for g in carriers.values())
    for key, group in carriers.items():
        if rules.holds_most(group.count, parcels, least) and group.records:
            title = f"{key} holds {group.count} of {parcels} delayed parcels"
            detail = "Shipping partner issue: most parcels past their delivery promise are with one carrier."
            action = f"Contact {key} about the stuck parcels; route new shipments to another carrier."
            found.append(_exception("carrier_hotspot", title, detail, Status.warning, action, group))
    for key, group in ((k, g) for (grp, k), g in groups.items() if grp == "location"):
        if rules.holds_most(group.count, total, least) and group.records:
            name = names.get(key, key)
            title = f"{name} holds {group.count} of {total} delayed orders"
            detail = "Warehouse capacity issue: most delayed orders are assigned to one location."
            action = f"Contact the {name} manager for an ETA; shift orders or bring in temporary help."
            found.append(_exception("warehouse_hotspot", title, detail, Status.warning, action, group))
    return found


def _exceptions(
    groups: dict[Any, Group], silent: Group, band: rules.Band, buckets: list[rules.AgeBucket], currency: str
) -> list[TileException]:
    """Return the delayed orders, each age bucket and the silent parcels as exceptions."""
    total, found = groups.get(("all", "all"), Group()), []
    if total.count:
        detail = f"{band.meaning.capitalize()}: they hold {fmt_money(total.value, currency)}."
        found.append(
            _exception(
                "delayed", f"{total.count} orders past their promise", detail, band.status, band.action, total
            )
        )
    for bucket in buckets:
        if (group := groups.get(("bucket", bucket.key))) is not None:
            title = f"{group.count} orders {bucket.title}"
            detail = (
                f"More than {bucket.after_hours:g} hours late, holding {fmt_money(group.value, currency)}."
            )
            found.append(_exception(bucket.key, title, detail, bucket.severity, bucket.action, group))
    if silent.count:
        title = f"{silent.count} parcels with no tracking scan for {SILENT_PARCEL_HOURS} h"
        detail = f"On their way, not scanned since; their orders total {fmt_money(silent.value, currency)}."
        action = "Open a trace with the carrier and tell the customers before they ask."
        found.append(_exception("silent_parcels", title, detail, Status.warning, action, silent))
    return found


def compute(ctx: TileContext) -> TileResult:
    """Compute the Fulfillment Health tile: the state now, whatever the window."""
    # In UTC: subtracting hours from a datetime in the store's zone is wall-clock arithmetic across DST.
    th, now, store_id = ctx.thresholds, ctx.now.astimezone(UTC), ctx.store.id
    hours = (
        th["fulfillment.outreach_hours"],
        th["fulfillment.compensation_hours"],
        th["fulfillment.refund_offer_hours"],
    )
    buckets = rules.age_buckets(*hours)
    groups = _current(ctx.session, store_id, now, buckets)
    history = delay_history(ctx.session, store_id, now)
    total = groups.get(("all", "all"), Group())
    investigate, critical = th.int("fulfillment.investigate_min"), th.int("fulfillment.critical_above")
    band = rules.delay_band(total.count, th.int("fulfillment.monitor_min"), investigate, critical)
    figures = [
        figure("delayed", "Delayed orders", total.count, "count", last_week=history.delayed, better="down"),
        figure(
            "value_held",
            "Value held",
            float(total.value),
            "money",
            last_week=float(history.value),
            better="down",
        ),
        figure(
            "oldest_delay",
            "Oldest delay",
            _hours(now, total.oldest),
            "hours",
            last_week=_hours(now - timedelta(days=7), history.oldest),
            better="down",
        ),
        figure(
            "on_time_ship_rate",
            "Shipped on time, last 7 days",
            history.on_time,
            "rate",
            last_week=history.on_time_before,
        ),
    ]
    query = select(Location.id, Location.name).where(Location.store_id == store_id).order_by(Location.id)
    names = {str(i): n for i, n in ctx.session.execute(query).all()}
    hotspots = _hotspots(groups, names, total.count, investigate)
    exceptions = _exceptions(groups, _silent(ctx.session, store_id, now), band, buckets, ctx.currency)
    locations = [*names, *(k for (grp, k) in groups if grp == "location" and k not in names)]
    carriers = {k: g for (grp, k), g in groups.items() if grp == "carrier"}
    carrier_keys = sorted(carriers, key=lambda k: (k == NOT_SHIPPED, -carriers[k].count, k))
    reason = rules.band_reason(total.count, band, investigate, critical)
    return TileResult(
        name=NAME,
        title=TITLE,
        status=band.status,
        status_reason=reason,
        window=ctx.window.name.value,
        window_label="Now",
        computed_at=ctx.now,
        currency=ctx.currency,
        figures=figures,
        chart=_bars(
            "Delayed orders by warehouse",
            [names.get(k, k) for k in locations],
            [groups.get(("location", k), Group()) for k in locations],
        ),
        extra_charts=[_bars("Delayed orders by carrier", carrier_keys, [carriers[k] for k in carrier_keys])],
        exceptions=exceptions[:1] + hotspots + exceptions[1:],
        recommendation=Recommendation(
            action=band.action,
            why=" ".join([reason, *(h.title + "." for h in hotspots)]),
            money_at_stake=total.value if total.count else None,
            playbook=f"{rules.PLAYBOOK}: delayed orders, {band.meaning}",
        ),
    )
