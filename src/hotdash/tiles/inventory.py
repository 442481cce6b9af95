"""Inventory Heatmap: days of cover per SKU by seller tier, the guide's P0-P3 stockout matrix, reorder
quantities and the expedite calculator.

Stock is summed over the store's active locations; demand comes from `store.demand.sku_demand` (see its
docstring for the method). Seller tiers, cover and the P0-P3 matrix are `store.sellers`, shared with the
stockout rules.

Decisions where the guide is silent:
- Revenue at risk is, for each SKU at P0-P3, the days it would be out of stock before the next delivery
  (the open purchase order, or a new order's lead time) times its daily demand and its realised unit price
  (revenue / units over the look-back; the list price if it did not sell).
- A purchase order whose ETA has passed is not counted on: the next delivery is then a lead time away.
- SKUs without demand have infinite cover and sit in the 30+ days column.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, case, func, select, type_coerce

from hotdash.store import sellers
from hotdash.store.models import InventoryLevel, Location, Product, Sku, Supplier
from hotdash.tiles.context import TileContext
from hotdash.tiles.format import format_value
from hotdash.tiles.playbook import inventory as playbook
from hotdash.tiles.schemas import (
    Chart,
    Figure,
    Recommendation,
    RecordRef,
    Series,
    Status,
    TileException,
    TileResult,
)

MAX_RECORDS = 50
TIERS = {playbook.Tier.top: "Top sellers", playbook.Tier.mid: "Mid sellers", playbook.Tier.low: "Low sellers"}


def _skus(ctx: TileContext, since: datetime) -> list[Any]:
    """Return the store's active SKUs with their stock, open purchase orders and supplier terms.

    Money comes as floats and the creation time only for SKUs created since `since`: converting a thousand
    rows' decimals and timestamps costs more than the query.
    """
    stock = (
        select(
            InventoryLevel.sku_id,
            func.sum(InventoryLevel.available).label("available"),
            func.sum(InventoryLevel.incoming).label("incoming"),
            func.min(case((InventoryLevel.incoming > 0, InventoryLevel.incoming_eta))).label("eta"),
        )
        .join(Location, Location.id == InventoryLevel.location_id)
        .where(Location.store_id == ctx.store.id, Location.is_active)
        .group_by(InventoryLevel.sku_id)
        .subquery()
    )
    query = (
        select(
            Sku.id,
            Sku.sku,
            Sku.title,
            type_coerce(Sku.price, Float).label("price"),
            case((Sku.created_at >= since, Sku.created_at)).label("created_at"),
            Supplier.lead_time_days,
            type_coerce(Supplier.rush_fee, Float).label("rush_fee"),
            func.coalesce(stock.c.available, 0).label("available"),
            func.coalesce(stock.c.incoming, 0).label("incoming"),
            stock.c.eta,
        )
        .join(Product, Product.id == Sku.product_id)
        .outerjoin(Supplier, Supplier.id == Sku.supplier_id)
        .outerjoin(stock, stock.c.sku_id == Sku.id)
        .where(Product.store_id == ctx.store.id, Sku.is_active)
        .order_by(Sku.id)
    )
    return list(ctx.session.execute(query).all())


def _decimal(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def compute(ctx: TileContext) -> TileResult:
    """Compute the Inventory Heatmap tile."""
    t = ctx.thresholds
    since = sellers.look_back_start(ctx.now, ctx.tz, t.int("inventory.demand_days"))
    rows = _skus(ctx, since)
    # Tiers, cover and P0-P3 are the store's definition, the one the stockout rules read too.
    risk = sellers.assess(
        session=ctx.session,
        store_id=ctx.store.id,
        now=ctx.now,
        tz=ctx.tz,
        values=t,
        skus=[(r.id, r.created_at, r.available) for r in rows],
    )
    found, cover, available = risk.found, risk.cover, risk.available
    heat = {tier: [0] * len(playbook.BUCKETS) for tier in playbook.Tier}
    at_risk: dict[str, list[tuple[Decimal, RecordRef, str]]] = {level: [] for level in playbook.ACTIONS}
    worth_rushing: list[tuple[Decimal, RecordRef, str]] = []

    def money(value: Decimal | float) -> str:
        return format_value(float(value), "money", ctx.currency)

    for i, row in enumerate(rows):
        tier, level = risk.tiers[i], risk.priorities[i]
        heat[tier][playbook.bucket(cover[i])] += 1
        if level is None:
            continue
        rate = float(found.rate[i])
        unit = _decimal(found.revenue[i] / found.units[i] if found.units[i] else row.price)
        lead = float(row.lead_time_days or 0)
        eta = (row.eta - ctx.now) / timedelta(days=1) if row.eta is not None and row.eta > ctx.now else None
        rush = playbook.expedite(
            rate=rate, unit_price=unit, cover_days=float(cover[i]), lead_days=lead, eta_days=eta,
            rush_lead_days=t["inventory.rush_lead_days"],
            rush_fee=_decimal(row.rush_fee) if row.rush_fee is not None else None,
        )  # fmt: skip
        at_stake = _decimal(rush.days_without * rate * float(unit))
        reorder = playbook.reorder_quantity(
            rate, lead, t["inventory.target_cover_days"], int(row.available), int(row.incoming)
        )
        label = f"{row.sku} {row.title}: {cover[i]:.1f} d cover at {rate:.1f}/day, reorder {reorder}"
        verdict = ""
        if level in ("P0", "P1"):
            verdict = rush.verdict(money(rush.revenue_saved), money(rush.rush_fee or 0))
            label += f"; {verdict}"
            if rush.worth_it:
                ref = RecordRef(entity="sku", id=row.id, label=f"{row.sku}: {verdict}")
                worth_rushing.append((rush.revenue_saved, ref, verdict))
        at_risk[level].append((at_stake, RecordRef(entity="sku", id=row.id, label=label), verdict))
    return _result(ctx, at_risk, worth_rushing, heat, int((available <= 0).sum()), money)


def _exception(
    key: str,
    title: str,
    detail: str,
    severity: Status,
    action: str,
    items: list[tuple[Decimal, RecordRef, str]],
) -> TileException:
    items.sort(key=lambda item: (-item[0], item[1].id))  # most money first
    return TileException(
        key=key, title=title, detail=detail, severity=severity, action=action,
        money_at_stake=sum((item[0] for item in items), Decimal("0")),
        records=[item[1] for item in items[:MAX_RECORDS]], record_count=len(items),
    )  # fmt: skip


def _result(
    ctx: TileContext,
    at_risk: dict[str, list[tuple[Decimal, RecordRef, str]]],
    worth_rushing: list[tuple[Decimal, RecordRef, str]],
    heat: dict[playbook.Tier, list[int]],
    out_of_stock: int,
    money: Any,
) -> TileResult:
    t = ctx.thresholds
    p0, p1 = t["inventory.p0_cover_days"], t["inventory.p1_cover_days"]
    rules = {
        "P0": f"Top sellers with under {p0:g} days of cover",
        "P1": f"Top sellers with {p0:g} to {p1:g} days of cover",
        "P2": f"Mid sellers with under {p0:g} days of cover",
        "P3": f"Low sellers with under {p0:g} days of cover",
    }
    exceptions = {
        level: _exception(level.lower(), f"{level}: {len(items)} SKU{'' if len(items) == 1 else 's'}",
                          rules[level] + ".", playbook.SEVERITY[level], playbook.ACTIONS[level], items)
        for level, items in at_risk.items() if items
    }  # fmt: skip
    revenue_at_risk = sum((e.money_at_stake or Decimal("0") for e in exceptions.values()), Decimal("0"))
    ordered = list(exceptions.values())
    if worth_rushing:
        rush = _exception(
            "expedite", f"Rushing pays: {len(worth_rushing)} SKU{'' if len(worth_rushing) == 1 else 's'}",
            "P0 and P1 SKUs whose rush fee is less than the revenue rushing saves.",
            Status.critical if at_risk["P0"] else Status.warning,
            "Pay the rush fee; also consider a pre-sell campaign, alternative sourcing, negotiating fees",
            worth_rushing,
        )  # fmt: skip
        ordered.insert(1 if "P0" in exceptions else 0, rush)
    counts = {level: len(items) for level, items in at_risk.items()}
    status, level = playbook.assess(counts)
    if level in ("P0", "P1", "P2"):
        top = at_risk[level][0]  # sorted by money at stake in _exception
        action = playbook.ACTIONS[level] + (f". {top[1].label.split(': ')[0]}: {top[2]}" if top[2] else "")
        reason = (
            f"{counts[level]} {rules[level].lower()} ({level}); {money(revenue_at_risk)} of revenue at risk."
        )
        rec = Recommendation(
            action=action,
            why=top[1].label + ".",
            money_at_stake=exceptions[level].money_at_stake,
            playbook=playbook.EXPEDITE if level == "P0" and top[2] else playbook.MATRIX,
        )
    else:
        low = f"; {counts['P3']} low sellers to reorder on schedule (P3)" if counts["P3"] else ""
        reason = f"No top or mid seller under {p0:g} days of cover{low}."
        rec = Recommendation(
            action=playbook.ACTIONS["P3"] if low else "Keep the normal reorder schedule",
            why=reason,
            playbook=playbook.MATRIX,
        )
    figures = [
        Figure(key="p0", label=f"P0: top sellers under {p0:g} days", value=counts["P0"], unit="count",
               better="down"),
        Figure(key="p1", label=f"P1: top sellers {p0:g}-{p1:g} days", value=counts["P1"], unit="count",
               better="down"),
        Figure(key="revenue_at_risk", label="Revenue at risk before restock", value=float(revenue_at_risk),
               unit="money", better="down"),
        Figure(key="out_of_stock", label="SKUs out of stock", value=out_of_stock, unit="count",
               better="down"),
    ]  # fmt: skip
    tiers = list(playbook.Tier)
    chart = Chart(
        kind="heatmap", title="SKUs by seller tier and days of cover", x=[b[0] for b in playbook.BUCKETS],
        y=[TIERS[tier] for tier in tiers],
        series=[Series(name=TIERS[tier], values=[float(n) for n in heat[tier]]) for tier in tiers],
    )  # fmt: skip
    return TileResult(
        name="inventory", title="Inventory Heatmap", status=status, status_reason=reason,
        window=ctx.window.name.value, window_label=ctx.window.label, computed_at=ctx.now,
        currency=ctx.currency, figures=figures, chart=chart, exceptions=ordered, recommendation=rec,
    )  # fmt: skip
