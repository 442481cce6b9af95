"""Entities added for the default rule pack: refunds (approval limits), team members (metrics vs target)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, func, literal, select

from hotdash.db.dialects import epoch_seconds
from hotdash.detection.expression.fields import (
    Entity,
    Field,
    Relation,
    Scope,
    as_value,
    column,
    derived,
    ratio,
)
from hotdash.detection.expression.tunables import tunable_bind
from hotdash.detection.expression.types import FieldType as T
from hotdash.store import definitions
from hotdash.store.entities import REFUND, TEAM_MEMBER
from hotdash.store.models import Order, Ticket

TEAM_DAYS = 7  # the look-back of a team member's recent figures


def _fields(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}


REFUNDS = Entity(
    REFUND,
    "Money going back to customers, from request to payout.",
    _fields(
        column("amount", T.money, "The amount refunded or asked for."),
        column("currency", T.text, "Three-letter currency code."),
        column("reason", T.text, "Why, e.g. damaged, late, not_as_described."),
        column("note", T.text, "Free text from the agent or customer."),
        column("status", T.text, "requested, approved, rejected or processed."),
        column("requested_at", T.timestamp, "When it was asked for."),
        column("processed_at", T.timestamp, "When the money went out."),
        derived(
            "is_pending",
            T.bool,
            "Still waiting for a decision: status is requested.",
            lambda s: definitions.refund_is_pending(s.table),
        ),
        derived(
            "needs_approval",
            T.bool,
            "Pending and above tunable('cx.refund_approval_above') (guide: refunds >$100 need a manager's "
            "approval); the CX tile's refund list.",
            lambda s: definitions.refund_needs_approval(
                s.table, tunable_bind(s.tunables, "cx.refund_approval_above")
            ),
            ("cx.refund_approval_above",),
        ),
        derived(
            "is_high_value",
            T.bool,
            "amount > tunable('cx.high_value_above') (guide: high-value issues >$500).",
            lambda s: definitions.above(s.table.amount, tunable_bind(s.tunables, "cx.high_value_above")),
            ("cx.high_value_above",),
        ),
    ),
    {"order": Relation("order", "orders", "The order refunded.", "order_id")},
    in_store=lambda t, store_id: t.order_id.in_(select(Order.id).where(Order.store_id == store_id)),
)


def _recent_tickets(scope: Scope, value: Any) -> ColumnElement[Any]:
    """Return an aggregate over the member's tickets created in the last TEAM_DAYS days."""
    # Epoch arithmetic: "now less 7 days" as a timestamp is not portable between SQLite and PostgreSQL.
    since = epoch_seconds(scope.now) - literal(TEAM_DAYS * 86400)
    query = select(value).where(
        Ticket.assignee_id == scope.table.id, epoch_seconds(Ticket.created_at) >= since
    )
    return as_value(query.scalar_subquery(), T.number)


def _quality(scope: Scope) -> ColumnElement[Any]:
    return _recent_tickets(scope, func.avg(func.cast(Ticket.quality_score, Float)))


def _csat(scope: Scope) -> ColumnElement[Any]:
    return _recent_tickets(scope, func.avg(func.cast(Ticket.csat, Float)))


def _per_day(scope: Scope) -> ColumnElement[Any]:
    return _recent_tickets(scope, func.count(Ticket.id)) / literal(float(TEAM_DAYS), Float)


TEAM_MEMBERS = Entity(
    TEAM_MEMBER,
    "Operators, leads and managers, with their personal targets and recent figures.",
    _fields(
        column("name", T.text, "Full name."),
        column("role", T.text, "support, sales, warehouse, lead or manager."),
        column("team", T.text, "The team."),
        column("is_active", T.bool, "Still on the team."),
        column("target_quality", T.number, "Target QA score, 0..1."),
        column("target_csat", T.number, "Target satisfaction, 1..5."),
        column("target_tickets_per_day", T.number, "Target tickets handled per day."),
        derived(
            "quality_7d",
            T.number,
            f"Mean QA score of the tickets assigned to them in the last {TEAM_DAYS} days; NULL without any.",
            _quality,
        ),
        derived("csat_7d", T.number, f"Mean CSAT of their tickets of the last {TEAM_DAYS} days.", _csat),
        derived("tickets_per_day_7d", T.number, f"Tickets assigned per day over {TEAM_DAYS} days.", _per_day),
        derived(
            "quality_vs_target",
            T.number,
            "quality_7d / target_quality (1 = on target); NULL without a target or reviews.",
            lambda s: ratio(_quality(s), s.table.target_quality),
        ),
        derived(
            "csat_vs_target",
            T.number,
            "csat_7d / target_csat (1 = on target); NULL without a target or ratings.",
            lambda s: ratio(_csat(s), s.table.target_csat),
        ),
        derived(
            "tickets_vs_target",
            T.number,
            "tickets_per_day_7d / target_tickets_per_day; NULL without a target.",
            lambda s: ratio(_per_day(s), s.table.target_tickets_per_day),
        ),
    ),
    in_store=lambda t, store_id: t.store_id == store_id,
)

EXTRA_ENTITIES = (REFUNDS, TEAM_MEMBERS)
