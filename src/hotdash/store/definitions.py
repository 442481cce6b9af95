"""The guide's shared words as SQL on the store's tables: open ticket, delayed order, urgent ticket, high
value, VIP, first-time buyer, pending refund.

One copy, read by the tiles and by the rule catalogue, so a tile and a rule that answer the same question
count the same records. Each function takes the table (or an alias of it) and returns a condition; numbers
come from the tunables (`hotdash.kernel.tunables`) and are passed in by the caller, as a plain value (tiles)
or as a parameter bound when a rule runs (detection). Where the tiles and the rules used to disagree, the
operator guide decided (see each docstring).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, exists, false, func, literal, or_, select
from sqlalchemy.orm import aliased

from hotdash.db.dialects import epoch_seconds
from hotdash.store.models import Customer, Order

OPEN_ORDER_STATUSES = ("unfulfilled", "partial")  # not yet shipped in full
OPEN_TICKET_STATUSES = ("new", "open", "pending", "on_hold")
URGENT_PRIORITY = "urgent"
PENDING_REFUND = "requested"


def ticket_is_open(ticket: Any) -> ColumnElement[bool]:
    """An open ticket: new, open, pending or on hold (not solved or closed)."""
    condition: ColumnElement[bool] = ticket.status.in_(OPEN_TICKET_STATUSES)
    return condition


def ticket_is_threat(ticket: Any) -> ColumnElement[bool]:
    """A legal or regulatory threat (the guide's "handle personally, document")."""
    return or_(ticket.legal_threat.is_(True), ticket.regulatory_threat.is_(True))


def above(amount: Any, line: Any) -> ColumnElement[bool]:
    """An amount strictly above a money line, compared in double precision.

    Floating point on both sides is what the rule language computes with, so a tile and a rule agree on
    SQLite (no decimal type) and PostgreSQL alike; amounts have two decimals, far inside a double's precision.
    """
    condition: ColumnElement[bool] = cast(amount, Float) > line
    return condition


def ticket_is_high_value(ticket: Any, high_value_above: Any) -> ColumnElement[bool]:
    """A high-value issue: an escalated ticket with more than `cx.high_value_above` at stake."""
    return and_(ticket.is_escalated.is_(True), above(ticket.value_at_stake, high_value_above))


def ticket_is_urgent(ticket: Any, high_value_above: Any) -> ColumnElement[bool]:
    """An urgent ticket, on the 15-minute first-response SLA.

    The guide's "Urgent Escalations (15-min SLA)" are legal threats, high-value issues (>$500) and regulatory
    threats; the helpdesk's own "urgent" priority counts too. The tile used to time only priority urgent on
    that SLA, the rules also threats but not high-value issues.
    """
    return or_(
        ticket.priority == URGENT_PRIORITY,
        ticket_is_threat(ticket),
        ticket_is_high_value(ticket, high_value_above),
    )


def ticket_is_unanswered(ticket: Any) -> ColumnElement[bool]:
    """No first response yet."""
    condition: ColumnElement[bool] = ticket.first_response_at.is_(None)
    return condition


def order_is_late_unshipped(order: Any, now: Any) -> ColumnElement[bool]:
    """Not cancelled, not shipped in full, and past its ship-by promise."""
    return and_(
        order.cancelled_at.is_(None), order.fulfillment_status.in_(OPEN_ORDER_STATUSES), order.ship_by < now
    )


def order_is_late_in_transit(order: Any, now: Any) -> ColumnElement[bool]:
    """Not cancelled, shipped but not delivered, and past its deliver-by promise."""
    return and_(order.cancelled_at.is_(None), order.fulfillment_status == "fulfilled", order.deliver_by < now)


def order_is_delayed(order: Any, now: Any) -> ColumnElement[bool]:
    """A delayed order: past its promise now (ship-by while unshipped, deliver-by while in transit)."""
    return or_(order_is_late_unshipped(order, now), order_is_late_in_transit(order, now))


def _hours(later: Any, earlier: Any) -> ColumnElement[Any]:
    seconds: ColumnElement[Any] = epoch_seconds(later) - epoch_seconds(earlier)
    return seconds / literal(3600.0, Float)


def order_delay_hours(order: Any, now: Any) -> ColumnElement[Any]:
    """Hours a delayed order is past its promise (whole seconds / 3600); 0 when it is not delayed."""
    return case(
        (order_is_late_unshipped(order, now), _hours(now, order.ship_by)),
        (order_is_late_in_transit(order, now), _hours(now, order.deliver_by)),
        else_=literal(0.0, Float),
    )


def order_is_first(order: Any) -> ColumnElement[bool]:
    """A first-time buyer's order: no earlier order (not cancelled) of the same customer."""
    earlier = aliased(Order)
    before = exists().where(
        earlier.customer_id == order.customer_id,
        earlier.cancelled_at.is_(None),
        (earlier.placed_at < order.placed_at)
        | ((earlier.placed_at == order.placed_at) & (earlier.id < order.id)),
    )
    return and_(order.customer_id.is_not(None), ~before)


def customer_is_first_time_buyer(customer: Any) -> ColumnElement[bool]:
    """A first-time buyer: exactly one order so far."""
    condition: ColumnElement[bool] = customer.orders_count == 1
    return condition


def customer_is_vip(customer: Any) -> ColumnElement[bool]:
    """A VIP customer: marked VIP in the store (the guide's "white-glove treatment")."""
    condition: ColumnElement[bool] = customer.is_vip.is_(True)
    return condition


def has_vip_customer(customer_id: Any) -> ColumnElement[bool]:
    """The record's customer is a VIP; false without a customer."""
    vip = select(Customer.is_vip).where(Customer.id == customer_id).scalar_subquery()
    found: ColumnElement[bool] = func.coalesce(vip, false())
    return found


def refund_is_pending(refund: Any) -> ColumnElement[bool]:
    """A refund request still waiting for a decision."""
    condition: ColumnElement[bool] = refund.status == PENDING_REFUND
    return condition


def refund_needs_approval(refund: Any, approval_above: Any) -> ColumnElement[bool]:
    """A pending refund above `cx.refund_approval_above`: a manager approves it (guide: refunds >$100)."""
    return and_(refund_is_pending(refund), above(refund.amount, approval_above))
