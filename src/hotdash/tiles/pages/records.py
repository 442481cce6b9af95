"""Drill-down: the records behind a tile's exception, and one record's page with its related rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.kernel.entities import RECORD_ROUTE
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import PageError
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.params import MAX_BIGINT
from hotdash.kernel.http.session import DbSession
from hotdash.store.entities import ENTITIES
from hotdash.store.models import (
    Customer,
    InventoryLevel,
    Location,
    Order,
    PageTraffic,
    Product,
    Refund,
    Return,
    Shipment,
    Sku,
    SkuSalesDaily,
    Supplier,
    TeamMember,
    Ticket,
)
from hotdash.tiles.pages.record_catalog import location_page, product_page, supplier_page
from hotdash.tiles.pages.record_cells import Cell, Column, Ctx, RecordTable, num, text, yes
from hotdash.tiles.pages.record_page import RecordPage, link_or_dash, store_name
from hotdash.tiles.pages.record_stock import (
    PAGE_DAYS,
    TEAM_DAYS,
    demand_days,
    member_figures,
    page_sessions,
    stock_for,
)
from hotdash.tiles.pages.record_tables import (
    customer_table,
    group_refs,
    order_line_table,
    order_table,
    refund_table,
    return_table,
    shipment_table,
    table_for,
    ticket_flags,
    ticket_table,
    tracking_table,
)
from hotdash.tiles.pages.viewparams import View, read_view
from hotdash.tiles.schemas import RecordRef

router = APIRouter(include_in_schema=False)

# Related rows shown on a record page, newest first; a customer with thousands of orders shows the latest.
RELATED_LIMIT = 50


def make_ctx(request: Request, session: Session, view: View) -> Ctx:
    return Ctx(session=session, request=request, view=view, now=now(request))


def record_tables(
    *, session: Session, refs: Sequence[RecordRef], view: View, request: Request
) -> list[RecordTable]:
    """Return one table per kind of record named, each listing exactly those records in the tile's order."""
    ctx = make_ctx(request, session, view)
    grouped = group_refs((ref.entity, ref.id) for ref in refs)
    labels: dict[tuple[str, int], str] = {(ref.entity, ref.id): ref.label for ref in refs}
    return [
        table_for(ctx, entity, ids, {i: labels[(entity, i)] for i in ids}) for entity, ids in grouped.items()
    ]


@router.get(RECORD_ROUTE, response_class=HTMLResponse, name="record_page")
def record_page(
    request: Request,
    entity: str,
    record_id: str,
    session: DbSession,
    store: Annotated[str | None, Query()] = None,
    window: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Show one record of any entity that has a page, with its business key and its related rows."""
    kind = ENTITIES.get(entity) if entity in ENTITIES else None
    if kind is None or not kind.has_page:
        kinds = ", ".join(e.key for e in ENTITIES.with_pages())
        raise PageError(
            404, "No such kind of record", f"There are no {entity!r} records; the kinds are {kinds}."
        )
    if not record_id.isdigit() or not 1 <= int(record_id) <= MAX_BIGINT:
        raise PageError(
            404,
            f"{kind.label} not found",
            f"{record_id!r} is not a record id; ids are whole numbers from 1 to {MAX_BIGINT:,}.",
        )
    view = read_view(session=session, store=store, window=window)
    ctx = make_ctx(request, session, view)
    row = session.get(kind.model, int(record_id))
    if row is None:
        raise PageError(
            404, f"{kind.label} not found", f"There is no {kind.label.lower()} with id {record_id}."
        )
    page = BUILDERS[entity](ctx, row)
    if kind.business_key_label not in (name for name, _ in page.fields):
        page.fields.insert(0, (kind.business_key_label, text(kind.business_key_of(row))))
    return render_page(request, "records/record.html", {"view": view, "record": page})


def order_page(ctx: Ctx, order: Order) -> RecordPage:
    """An order with its lines, shipments and their tracking, tickets, refunds and returns."""
    s = ctx.session
    customer = s.get(Customer, order.customer_id) if order.customer_id else None
    location = s.get(Location, order.location_id) if order.location_id else None
    shipments = list(s.scalars(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id)))
    tickets = list(
        s.scalars(select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.created_at.desc()))
    )
    refunds = list(s.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.requested_at)))
    returns = list(s.scalars(select(Return).where(Return.order_id == order.id).order_by(Return.requested_at)))
    cur = order.currency
    page = RecordPage("order", ENTITIES.get("order").display_name(order))
    page.fields = [
        ("Store", store_name(s, order.store_id)),
        ("Placed", Cell(ctx.time(order.placed_at))),
        ("Channel", text(order.channel)),
        ("Customer", link_or_dash(ctx, "customer", order.customer_id, customer.name if customer else None)),
        ("Payment", text(order.financial_status)),
        ("Fulfilment", text(order.fulfillment_status)),
        ("Total", Cell(ctx.money(order.total, cur))),
        (
            "Subtotal · discount · shipping · tax",
            Cell(
                " · ".join(
                    ctx.money(v, cur)
                    for v in (order.subtotal, order.discount_total, order.shipping_total, order.tax_total)
                )
            ),
        ),
        ("Ship by", Cell(ctx.time(order.ship_by))),
        ("Deliver by", Cell(ctx.time(order.deliver_by))),
        ("Fulfilled", Cell(ctx.time(order.fulfilled_at))),
        ("Warehouse", link_or_dash(ctx, "location", order.location_id, location.name if location else None)),
    ]
    if order.cancelled_at:
        page.fields.append(
            ("Cancelled", Cell(f"{ctx.time(order.cancelled_at)} ({order.cancel_reason or 'no reason'})"))
        )
    if order.tags:
        page.fields.append(("Tags", text(order.tags)))
    page.sections = [
        order_line_table(ctx, order),
        shipment_table(ctx, shipments),
        tracking_table(ctx, [sh.id for sh in shipments]),
        ticket_table(ctx, tickets),
        refund_table(ctx, refunds),
        return_table(ctx, returns),
    ]
    return page


def ticket_page(ctx: Ctx, ticket: Ticket) -> RecordPage:
    """A ticket with its order and customer, and the customer's other tickets."""
    s = ctx.session
    assignee = s.get(TeamMember, ticket.assignee_id) if ticket.assignee_id else None
    page = RecordPage("ticket", ENTITIES.get("ticket").display_name(ticket))
    page.fields = [
        ("Status", text(ticket.status)),
        ("Priority", Cell(ticket.priority, flag="bad" if ticket.priority == "urgent" else None)),
        ("Channel", text(ticket.channel)),
        ("Category", text(ticket.category)),
        ("Created", Cell(ctx.time(ticket.created_at))),
        ("First response", Cell(ctx.time(ticket.first_response_at))),
        ("Resolved", Cell(ctx.time(ticket.resolved_at))),
        (
            "Assignee",
            link_or_dash(ctx, "team_member", ticket.assignee_id, assignee.name if assignee else None),
        ),
        ("Flags", ticket_flags(ticket)),
        ("Escalated at", Cell(ctx.time(ticket.escalated_at))),
        ("Value at stake", Cell(ctx.money(ticket.value_at_stake)) if ticket.value_at_stake else text(None)),
        ("CSAT", text(ticket.csat)),
        ("Tags", text(ticket.tags)),
    ]
    orders = [o for o in [s.get(Order, ticket.order_id) if ticket.order_id else None] if o is not None]
    customers = [
        c for c in [s.get(Customer, ticket.customer_id) if ticket.customer_id else None] if c is not None
    ]
    page.sections = [order_table(ctx, orders, "Order"), customer_table(ctx, customers, "Customer")]
    if ticket.customer_id:
        others = list(
            s.scalars(
                select(Ticket)
                .where(Ticket.customer_id == ticket.customer_id, Ticket.id != ticket.id)
                .order_by(Ticket.created_at.desc())
                .limit(RELATED_LIMIT)
            )
        )
        page.sections.append(ticket_table(ctx, others, "The customer's other tickets"))
    return page


def shipment_page(ctx: Ctx, shipment: Shipment) -> RecordPage:
    """A shipment with its order and tracking events."""
    s = ctx.session
    location = s.get(Location, shipment.location_id) if shipment.location_id else None
    page = RecordPage("shipment", ENTITIES.get("shipment").display_name(shipment))
    page.fields = [
        ("Carrier", text(" ".join(p for p in (shipment.carrier, shipment.service) if p))),
        ("Status", Cell(shipment.status, flag="bad" if shipment.status == "exception" else None)),
        ("Tracking number", text(shipment.tracking_number)),
        ("Shipped", Cell(ctx.time(shipment.shipped_at))),
        ("Estimated delivery", Cell(ctx.time(shipment.estimated_delivery_at))),
        ("Delivered", Cell(ctx.time(shipment.delivered_at))),
        ("Last scan", Cell(ctx.time(shipment.last_event_at))),
        ("From", link_or_dash(ctx, "location", shipment.location_id, location.name if location else None)),
    ]
    if shipment.tracking_url:
        page.fields.append(("Carrier page", text(shipment.tracking_url)))
    order = s.get(Order, shipment.order_id)
    page.sections = [order_table(ctx, [order] if order else [], "Order"), tracking_table(ctx, [shipment.id])]
    return page


def sku_page(ctx: Ctx, sku: Sku) -> RecordPage:
    """A SKU with its stock per location and its recent daily sales."""
    s = ctx.session
    product = s.get(Product, sku.product_id)
    supplier = s.get(Supplier, sku.supplier_id) if sku.supplier_id else None
    stock = stock_for(ctx, {sku.id})[sku.id]
    days = demand_days(s)
    cover = stock.cover_days
    page = RecordPage("sku", ENTITIES.get("sku").display_name(sku))
    page.fields = [
        ("Product", link_or_dash(ctx, "product", sku.product_id, product.title if product else None)),
        ("Price", Cell(ctx.money(sku.price))),
        ("Unit cost", Cell(ctx.money(sku.unit_cost))),
        ("Available", num(stock.available, flag="bad" if stock.available <= 0 else None)),
        ("On hand", num(stock.on_hand)),
        ("Incoming", num(stock.incoming)),
        (f"Sold per day (last {days} d)", num(stock.per_day, 1)),
        ("Days of cover", num(cover, 1) if cover is not None else Cell("does not sell")),
        (
            "Supplier",
            Cell(
                f"{supplier.name} (lead time {supplier.lead_time_days} d)",
                href=ctx.link("supplier", supplier.id),
            )
            if supplier
            else text(None),
        ),
        ("Active", yes(sku.is_active, flag=None)),
    ]
    levels = s.execute(
        select(InventoryLevel, Location.name)
        .join(Location, Location.id == InventoryLevel.location_id)
        .where(InventoryLevel.sku_id == sku.id)
        .order_by(Location.name)
    )
    by_location = RecordTable(
        "inventory",
        "Stock by location",
        [
            Column("Location"),
            Column("Available", numeric=True),
            Column("On hand", numeric=True),
            Column("Incoming", numeric=True),
            Column("Incoming ETA"),
        ],
        empty="Not stocked anywhere.",
    )
    for level, location_name in levels:
        by_location.rows.append(
            [
                text(location_name),
                num(level.available, flag="bad" if level.available <= 0 else None),
                num(level.on_hand),
                num(level.incoming),
                Cell(ctx.time(level.incoming_eta)),
            ]
        )
    today = ctx.now.astimezone(ctx.view.store_tz).date()
    sales = s.execute(
        select(SkuSalesDaily.day, SkuSalesDaily.units, SkuSalesDaily.orders, SkuSalesDaily.revenue)
        .where(SkuSalesDaily.sku_id == sku.id, SkuSalesDaily.day > today - timedelta(days=14))
        .order_by(SkuSalesDaily.day.desc())
    )
    daily = RecordTable(
        "sku_sales",
        "Sales, last 14 days",
        [
            Column("Day"),
            Column("Units", numeric=True),
            Column("Orders", numeric=True),
            Column("Revenue", numeric=True),
        ],
        empty="No sales in the last 14 days.",
    )
    for day, units, orders, revenue in sales:
        daily.rows.append(
            [text(day.isoformat()), num(units), num(orders), Cell(ctx.money(revenue), numeric=True)]
        )
    page.sections = [by_location, daily]
    return page


def page_page(ctx: Ctx, row: PageTraffic) -> RecordPage:
    """A landing page with its daily traffic over the last 30 days."""
    s = ctx.session
    recent, previous = page_sessions(ctx, [row.landing_page]).get(row.landing_page, (0, 0))
    change = (recent - previous) / previous * 100 if previous else None
    page = RecordPage("page", ENTITIES.get("page").display_name(row))
    page.fields = [
        (f"Sessions, last {PAGE_DAYS} full days", num(recent)),
        (f"Sessions, the {PAGE_DAYS} days before", num(previous)),
        (
            "Change",
            Cell(
                "—" if change is None else f"{change:+.1f}%",
                flag="bad" if change is not None and change < 0 else None,
            ),
        ),
    ]
    today = ctx.now.astimezone(ctx.view.store_tz).date()
    days = s.execute(
        select(PageTraffic.day, PageTraffic.sessions, PageTraffic.conversions, PageTraffic.revenue)
        .where(
            PageTraffic.store_id == row.store_id,
            PageTraffic.landing_page == row.landing_page,
            PageTraffic.day > today - timedelta(days=30),
        )
        .order_by(PageTraffic.day.desc())
    )
    table = RecordTable(
        "page_traffic",
        "Traffic, last 30 days",
        [
            Column("Day"),
            Column("Sessions", numeric=True),
            Column("Conversions", numeric=True),
            Column("Conversion rate", numeric=True),
            Column("Revenue", numeric=True),
        ],
        empty="No traffic in the last 30 days.",
    )
    for day, sessions, conversions, revenue in days:
        rate = f"{conversions / sessions * 100:.1f}%" if sessions else "—"
        table.rows.append(
            [
                text(day.isoformat()),
                num(sessions),
                num(conversions),
                Cell(rate, numeric=True),
                Cell(ctx.money(revenue), numeric=True),
            ]
        )
    page.sections = [table]
    return page


def customer_page(ctx: Ctx, customer: Customer) -> RecordPage:
    """A customer with their latest orders and tickets."""
    s = ctx.session
    page = RecordPage("customer", ENTITIES.get("customer").display_name(customer))
    page.fields = [
        ("Email", text(customer.email)),
        ("Country", text(customer.country)),
        ("First order", Cell(ctx.time(customer.first_order_at))),
        ("Orders", num(customer.orders_count)),
        ("Total spent", Cell(ctx.money(customer.total_spent))),
        ("VIP", yes(customer.is_vip, flag="good")),
        ("Tags", text(customer.tags)),
    ]
    orders = list(
        s.scalars(
            select(Order)
            .where(Order.customer_id == customer.id)
            .order_by(Order.placed_at.desc())
            .limit(RELATED_LIMIT)
        )
    )
    tickets = list(
        s.scalars(
            select(Ticket)
            .where(Ticket.customer_id == customer.id)
            .order_by(Ticket.created_at.desc())
            .limit(RELATED_LIMIT)
        )
    )
    page.sections = [order_table(ctx, orders, "Latest orders"), ticket_table(ctx, tickets, "Latest tickets")]
    return page


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _pct(share: Decimal | None) -> float | None:
    return None if share is None else float(share) * 100


def _times100(share: float | None) -> float | None:
    return None if share is None else share * 100


def _against(actual: float | None, target: float | None, pattern: str) -> Cell:
    """Return "actual (target)", e.g. "4.1% (5.0%)"."""
    shown = "—" if actual is None else pattern.format(actual)
    wanted = "—" if target is None else pattern.format(target)
    return Cell(f"{shown} ({wanted})")


def team_member_page(ctx: Ctx, member: TeamMember) -> RecordPage:
    """A team member with their figures against target and their latest tickets."""
    s = ctx.session
    figures = member_figures(ctx, {member.id})[member.id]
    page = RecordPage("team_member", ENTITIES.get("team_member").display_name(member))
    rate = figures.escalation_rate
    page.fields = [
        ("Role", text(member.role)),
        ("Team", text(member.team)),
        ("Active", yes(member.is_active, flag=None)),
        ("Hours", text(f"{member.work_start:%H:%M} to {member.work_end:%H:%M} ({member.timezone})")),
        (f"Tickets, last {TEAM_DAYS} days", num(figures.tickets)),
        ("Solved", num(figures.solved)),
        ("Escalation rate (target)", _against(rate, _pct(member.target_escalation_rate), "{:.1f}%")),
        ("Average CSAT (target)", _against(figures.csat, _float(member.target_csat), "{:.2f}")),
        (
            "Average quality (target)",
            _against(_times100(figures.quality), _pct(member.target_quality), "{:.1f}%"),
        ),
        (
            "First response target",
            text(
                None
                if member.target_first_response_minutes is None
                else f"{float(member.target_first_response_minutes):g} min"
            ),
        ),
    ]
    tickets = list(
        s.scalars(
            select(Ticket)
            .where(Ticket.assignee_id == member.id)
            .order_by(Ticket.created_at.desc())
            .limit(RELATED_LIMIT)
        )
    )
    orders_taken = s.scalar(select(func.count(Order.id)).where(Order.staff_id == member.id)) or 0
    if orders_taken:
        page.fields.append(("Orders taken (all time)", num(orders_taken)))
    page.sections = [ticket_table(ctx, tickets, "Latest tickets")]
    return page


def refund_page(ctx: Ctx, refund: Refund) -> RecordPage:
    """A refund with its order and the goods returned."""
    s = ctx.session
    page = RecordPage("refund", ENTITIES.get("refund").display_name(refund))
    page.fields = [
        ("Amount", Cell(ctx.money(refund.amount, refund.currency))),
        ("Reason", text(refund.reason)),
        ("Status", text(refund.status)),
        ("Requested", Cell(ctx.time(refund.requested_at))),
        ("Processed", Cell(ctx.time(refund.processed_at))),
        ("Note", text(refund.note)),
    ]
    order = s.get(Order, refund.order_id)
    returns = list(
        s.scalars(select(Return).where(Return.refund_id == refund.id).order_by(Return.requested_at))
    )
    page.sections = [order_table(ctx, [order] if order else [], "Order"), return_table(ctx, returns)]
    return page


BUILDERS: dict[str, Callable[[Ctx, object], RecordPage]] = {
    "order": order_page,  # type: ignore[dict-item]
    "ticket": ticket_page,  # type: ignore[dict-item]
    "shipment": shipment_page,  # type: ignore[dict-item]
    "sku": sku_page,  # type: ignore[dict-item]
    "page": page_page,  # type: ignore[dict-item]
    "customer": customer_page,  # type: ignore[dict-item]
    "team_member": team_member_page,  # type: ignore[dict-item]
    "refund": refund_page,  # type: ignore[dict-item]
    "location": location_page,  # type: ignore[dict-item]
    "product": product_page,  # type: ignore[dict-item]
    "supplier": supplier_page,  # type: ignore[dict-item]
}
