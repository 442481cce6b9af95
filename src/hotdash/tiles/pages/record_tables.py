"""Tables of records (orders, tickets, shipments, customers, refunds and returns), and any entity by id.

Each builder takes rows already loaded and fetches what they point at (warehouse names, carriers, assignees,
stock, velocity) in one query per kind, never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select

from hotdash.store.entities import ENTITIES
from hotdash.store.models import (
    Customer,
    Location,
    Order,
    OrderLine,
    Refund,
    Return,
    Shipment,
    Sku,
    TeamMember,
    Ticket,
    TrackingEvent,
)
from hotdash.tiles.pages.record_cells import (
    Cell,
    Column,
    Ctx,
    RecordTable,
    load_by_ids,
    names_by_id,
    num,
    text,
    yes,
)
from hotdash.tiles.pages.record_stock import page_table, sku_table, team_table

# --- orders ---------------------------------------------------------------------------------------------


def order_table(ctx: Ctx, orders: Sequence[Order], title: str = "Orders") -> RecordTable:
    """Orders with their promise dates, warehouse and carrier."""
    warehouses = names_by_id(ctx.session, Location, (o.location_id for o in orders))
    carriers: dict[int, str] = {}
    if orders:
        shipments = ctx.session.execute(
            select(Shipment.order_id, Shipment.carrier)
            .where(Shipment.order_id.in_({o.id for o in orders}))
            .order_by(Shipment.order_id, Shipment.id)
        )
        for order_id, carrier in shipments:
            if carrier:
                carriers[order_id] = carrier  # the latest shipment's carrier wins
    table = RecordTable(
        "order",
        title,
        [
            Column("Order"),
            Column("Placed"),
            Column("Total", numeric=True),
            Column("Payment"),
            Column("Fulfilment"),
            Column("Ship by"),
            Column("Deliver by"),
            Column("Warehouse"),
            Column("Carrier"),
        ],
        empty="No orders.",
    )
    for order in orders:
        open_ = order.fulfillment_status in ("unfulfilled", "partial")
        late_ship = open_ and order.ship_by is not None and order.ship_by < ctx.now
        late_delivery = (
            order.fulfillment_status not in ("delivered", "cancelled")
            and order.deliver_by is not None
            and order.deliver_by < ctx.now
        )
        table.rows.append(
            [
                Cell(order.number, href=ctx.link("order", order.id)),
                ctx.when(order.placed_at),
                Cell(ctx.money(order.total, order.currency), numeric=True),
                text(order.financial_status),
                text(order.fulfillment_status),
                ctx.when(order.ship_by, flag="bad" if late_ship else None),
                ctx.when(order.deliver_by, flag="bad" if late_delivery else None),
                text(warehouses.get(order.location_id) if order.location_id else None),
                text(carriers.get(order.id)),
            ]
        )
    return table


def order_line_table(ctx: Ctx, order: Order) -> RecordTable:
    lines = list(
        ctx.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id))
    )
    codes = dict(
        ctx.session.execute(
            select(Sku.id, Sku.sku).where(Sku.id.in_({ln.sku_id for ln in lines if ln.sku_id is not None}))
        ).all()
    )
    table = RecordTable(
        "order_line",
        "Lines",
        [
            Column("SKU"),
            Column("Item"),
            Column("Qty", numeric=True),
            Column("Unit price", numeric=True),
            Column("Discount", numeric=True),
            Column("Total", numeric=True),
        ],
        empty="This order has no lines.",
    )
    for line in lines:
        sku = (
            Cell(codes[line.sku_id], href=ctx.link("sku", line.sku_id))
            if line.sku_id in codes
            else text(None)
        )
        table.rows.append(
            [
                sku,
                text(line.title),
                num(line.quantity),
                Cell(ctx.money(line.unit_price, order.currency), numeric=True),
                Cell(ctx.money(line.discount, order.currency), numeric=True),
                Cell(ctx.money(line.total, order.currency), numeric=True),
            ]
        )
    return table


# --- tickets --------------------------------------------------------------------------------------------


def ticket_flags(ticket: Ticket) -> Cell:
    flags = [
        label
        for label, on in (
            ("escalated", ticket.is_escalated),
            ("legal threat", ticket.legal_threat),
            ("regulatory threat", ticket.regulatory_threat),
        )
        if on
    ]
    return Cell(", ".join(flags), flag="bad") if flags else Cell("—")


def ticket_table(ctx: Ctx, tickets: Sequence[Ticket], title: str = "Tickets") -> RecordTable:
    """Tickets with status, priority, response times, assignee and flags."""
    assignees = names_by_id(ctx.session, TeamMember, (t.assignee_id for t in tickets))
    table = RecordTable(
        "ticket",
        title,
        [
            Column("Subject"),
            Column("Status"),
            Column("Priority"),
            Column("Created"),
            Column("First response"),
            Column("Assignee"),
            Column("Flags"),
            Column("At stake", numeric=True),
        ],
        empty="No tickets.",
    )
    for ticket in tickets:
        assignee = (
            Cell(assignees[ticket.assignee_id], href=ctx.link("team_member", ticket.assignee_id))
            if ticket.assignee_id in assignees
            else Cell("unassigned", flag="warn")
        )
        table.rows.append(
            [
                Cell(ticket.subject, href=ctx.link("ticket", ticket.id)),
                text(ticket.status),
                Cell(ticket.priority, flag="bad" if ticket.priority == "urgent" else None),
                ctx.when(ticket.created_at),
                ctx.when(ticket.first_response_at, flag=None if ticket.first_response_at else "warn"),
                assignee,
                ticket_flags(ticket),
                Cell(ctx.money(ticket.value_at_stake), numeric=True) if ticket.value_at_stake else Cell("—"),
            ]
        )
    return table


# --- shipments and tracking -----------------------------------------------------------------------------


def shipment_table(ctx: Ctx, shipments: Sequence[Shipment], title: str = "Shipments") -> RecordTable:
    """Shipments with their order, carrier, status and dates."""
    numbers = dict(
        ctx.session.execute(
            select(Order.id, Order.number).where(Order.id.in_({s.order_id for s in shipments}))
        ).all()
        if shipments
        else []
    )
    locations = names_by_id(ctx.session, Location, (s.location_id for s in shipments))
    table = RecordTable(
        "shipment",
        title,
        [
            Column("Tracking"),
            Column("Order"),
            Column("Carrier"),
            Column("Status"),
            Column("Shipped"),
            Column("Estimated delivery"),
            Column("Delivered"),
            Column("Last scan"),
            Column("From"),
        ],
        empty="No shipments.",
    )
    for shipment in shipments:
        overdue = (
            shipment.delivered_at is None
            and shipment.estimated_delivery_at is not None
            and shipment.estimated_delivery_at < ctx.now
        )
        table.rows.append(
            [
                Cell(
                    shipment.tracking_number or f"shipment {shipment.id}",
                    href=ctx.link("shipment", shipment.id),
                ),
                Cell(numbers.get(shipment.order_id, "—"), href=ctx.link("order", shipment.order_id)),
                text(" ".join(p for p in (shipment.carrier, shipment.service) if p)),
                Cell(shipment.status, flag="bad" if shipment.status == "exception" else None),
                ctx.when(shipment.shipped_at),
                ctx.when(shipment.estimated_delivery_at, flag="bad" if overdue else None),
                ctx.when(shipment.delivered_at),
                ctx.when(shipment.last_event_at),
                text(locations.get(shipment.location_id) if shipment.location_id else None),
            ]
        )
    return table


def tracking_table(ctx: Ctx, shipment_ids: Sequence[int]) -> RecordTable:
    events = (
        list(
            ctx.session.scalars(
                select(TrackingEvent)
                .where(TrackingEvent.shipment_id.in_(set(shipment_ids)))
                .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())
            )
        )
        if shipment_ids
        else []
    )
    several = len(set(shipment_ids)) > 1
    columns = [Column("When"), Column("Status"), Column("Description"), Column("Where")]
    if several:
        columns.append(Column("Shipment"))
    table = RecordTable("tracking_event", "Tracking events", columns, empty="No carrier scans yet.")
    for event in events:
        row = [
            ctx.when(event.occurred_at),
            Cell(event.status, flag="bad" if event.status == "exception" else None),
            text(event.description),
            text(event.city),
        ]
        if several:
            row.append(Cell(f"shipment {event.shipment_id}", href=ctx.link("shipment", event.shipment_id)))
        table.rows.append(row)
    return table


# --- customers ------------------------------------------------------------------------------------------


def customer_table(ctx: Ctx, customers: Sequence[Customer], title: str = "Customers") -> RecordTable:
    table = RecordTable(
        "customer",
        title,
        [
            Column("Customer"),
            Column("Email"),
            Column("Country"),
            Column("Orders", numeric=True),
            Column("Total spent", numeric=True),
            Column("VIP"),
        ],
        empty="No customer.",
    )
    for customer in customers:
        table.rows.append(
            [
                Cell(
                    customer.name or customer.email or f"customer {customer.id}",
                    href=ctx.link("customer", customer.id),
                ),
                text(customer.email),
                text(customer.country),
                num(customer.orders_count),
                Cell(ctx.money(customer.total_spent), numeric=True),
                yes(customer.is_vip, flag="good"),
            ]
        )
    return table


# --- refunds and returns --------------------------------------------------------------------------------


def refund_table(ctx: Ctx, refunds: Sequence[Refund], title: str = "Refunds") -> RecordTable:
    numbers = dict(
        ctx.session.execute(
            select(Order.id, Order.number).where(Order.id.in_({r.order_id for r in refunds}))
        ).all()
        if refunds
        else []
    )
    table = RecordTable(
        "refund",
        title,
        [
            Column("Refund"),
            Column("Order"),
            Column("Amount", numeric=True),
            Column("Reason"),
            Column("Status"),
            Column("Requested"),
            Column("Processed"),
        ],
        empty="No refunds.",
    )
    for refund in refunds:
        table.rows.append(
            [
                Cell(f"refund {refund.id}", href=ctx.link("refund", refund.id)),
                Cell(numbers.get(refund.order_id, "—"), href=ctx.link("order", refund.order_id)),
                Cell(ctx.money(refund.amount, refund.currency), numeric=True),
                text(refund.reason),
                text(refund.status),
                ctx.when(refund.requested_at),
                ctx.when(refund.processed_at),
            ]
        )
    return table


def return_table(ctx: Ctx, returns: Sequence[Return]) -> RecordTable:
    table = RecordTable(
        "return",
        "Returns",
        [
            Column("Qty", numeric=True),
            Column("Reason"),
            Column("Status"),
            Column("Requested"),
            Column("Received"),
        ],
        empty="No returns.",
    )
    for item in returns:
        table.rows.append(
            [
                num(item.quantity),
                text(item.reason),
                text(item.status),
                ctx.when(item.requested_at),
                ctx.when(item.received_at),
            ]
        )
    return table


# --- any entity, by id ----------------------------------------------------------------------------------


def table_for(
    ctx: Ctx, entity: str, ids: Sequence[int], labels: Mapping[int, str] | None = None
) -> RecordTable:
    """Load the records of one entity by id, in the order given, and build their table.

    `labels` are the tile's words for each record; where they say more than the record's name (a SKU's
    cover and reorder quantity, a refund's amount), they are shown in a "Why listed" column.
    """
    kind = ENTITIES.get(entity)
    rows = load_by_ids(ctx.session, kind.model, ids)
    title = kind.plural
    builders = {
        "order": order_table,
        "ticket": ticket_table,
        "shipment": shipment_table,
        "sku": sku_table,
        "page": page_table,
        "customer": customer_table,
        "team_member": team_table,
        "refund": refund_table,
    }
    table: RecordTable = builders[entity](ctx, rows, title)  # type: ignore[operator]
    if labels:
        reasons = [
            _reason(labels.get(row.id, ""), cells) for row, cells in zip(rows, table.rows, strict=True)
        ]
        if any(reasons):
            table.columns.append(Column("Why listed"))
            for cells, reason in zip(table.rows, reasons, strict=True):
                cells.append(Cell(reason or "—", wrap=True))
    missing = len(ids) - len(rows)
    if missing:
        table.note = f"{missing} record{'s' if missing != 1 else ''} named by the tile no longer exist."
    return table


def _reason(label: str, cells: Sequence[Cell]) -> str:
    """Return what the tile's label says beyond the record's name and title, or nothing if that is all."""
    rest = label
    for cell in cells[:2]:
        if cell.text and rest.startswith(cell.text):
            rest = rest[len(cell.text) :].lstrip(" :-·—,")
    return rest if rest.strip(" #:-·0123456789") else ""


def group_refs(refs: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    """Group (entity, id) pairs by entity, keeping their order and dropping repeats."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for entity, record_id in refs:
        if record_id not in grouped[entity]:
            grouped[entity].append(record_id)
    return dict(grouped)
