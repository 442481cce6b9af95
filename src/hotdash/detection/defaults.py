"""The default rule pack: the manager-operator guide's triggers as editable rules.

Installed by `hotdash rules install-defaults` (and when the scheduler first starts on a database without
rules). Installing again adds only the rules that are missing: a rule a manager edited is never overwritten.

The guide's numbers are not written here: rules name the tunables the tiles read (`tunable('key')` in an
expression, a tunable's name as a threshold) and the words the tiles use (`is_delayed`, `is_urgent`,
`needs_approval`, ...: `hotdash.store.definitions`), so a manager's change moves the tile and the rule
together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.auth.models import User
from hotdash.detection import service
from hotdash.detection.models import Rule
from hotdash.detection.schemas import RuleSpec

UNANSWERED = "is_open AND first_response_at IS NULL"

DEFAULT_RULES: list[dict[str, Any]] = [
    # Fulfillment Health: "Orders delayed >24 hours -> proactive outreach; >48 -> expedite + compensation;
    # >72 -> full refund offer + expedite". Bands, so an order moves from one action to the next.
    {
        "key": "orders.delayed_24h",
        "name": "Order delayed more than 24 h: reach out",
        "description": "Guide: orders delayed >24 hours -> proactive outreach.",
        "tile": "fulfillment",
        "kind": "time",
        "entity": "orders",
        "expression": "delay_hours > tunable('fulfillment.outreach_hours') "
        "AND delay_hours <= tunable('fulfillment.compensation_hours')",
        "severity": "info",
    },
    {
        "key": "orders.delayed_48h",
        "name": "Order delayed more than 48 h: expedite and compensate",
        "description": "Guide: orders delayed >48 hours -> expedite + compensation.",
        "tile": "fulfillment",
        "kind": "time",
        "entity": "orders",
        "expression": "delay_hours > tunable('fulfillment.compensation_hours') "
        "AND delay_hours <= tunable('fulfillment.refund_offer_hours')",
        "severity": "warning",
    },
    {
        "key": "orders.delayed_72h",
        "name": "Order delayed more than 72 h: offer a full refund",
        "description": "Guide: orders delayed >72 hours -> full refund offer + expedite.",
        "tile": "fulfillment",
        "kind": "time",
        "entity": "orders",
        "expression": "delay_hours > tunable('fulfillment.refund_offer_hours')",
        "severity": "critical",
        "realert_minutes": 1440,
    },
    {
        "key": "orders.delayed_high_value",
        "name": "High-value order delayed",
        "description": "A delayed order worth more than $500: the guide's high-value threshold.",
        "tile": "fulfillment",
        "kind": "time",
        "entity": "orders",
        "expression": "is_delayed AND is_high_value",
        "severity": "critical",
    },
    {
        "key": "orders.delayed_first_order",
        "name": "First-time buyer's order delayed",
        "description": "A first order that is late: the customer most likely never to come back.",
        "tile": "fulfillment",
        "kind": "time",
        "entity": "orders",
        "expression": "is_delayed AND is_first_order",
        "severity": "warning",
    },
    {
        "key": "fulfillment.delayed_per_warehouse",
        "name": "Delayed orders per warehouse",
        "description": "Guide: 5-15 delayed orders -> warehouse capacity issue; "
        "more -> critical, call the warehouse.",
        "tile": "fulfillment",
        "kind": "metric",
        "entity": "orders",
        "expression": "is_delayed",
        "aggregate": "count",
        "group_by": "location.name",
        # Guide ">15 is critical": a count over 15 is a count of at least 15 + 1.
        "thresholds": {
            "warning": "fulfillment.investigate_min",
            "critical": "fulfillment.critical_above + 1",
        },
    },
    {
        "key": "fulfillment.no_tracking_scan_72h",
        "name": "No tracking scan for 72 h",
        "description": "A parcel on its way with no carrier scan for three days.",
        "tile": "fulfillment",
        "kind": "time",
        "entity": "shipments",
        "expression": "delivered_at IS NULL "
        "AND status IN ('label_created', 'in_transit', 'out_for_delivery') "
        "AND hours_since_last_scan > 72",
        "severity": "warning",
    },
    {
        "key": "fulfillment.carrier_stalls",
        "name": "Same carrier stalling 3+ parcels",
        "description": "Guide: same issue 3+ times = systemic problem "
        "(here: parcels without scans, by carrier).",
        "tile": "fulfillment",
        "kind": "pattern",
        "entity": "shipments",
        "source_rule_key": "fulfillment.no_tracking_scan_72h",
        "pattern_field": "carrier",
        "window_hours": 48,
        "thresholds": {"warning": "cx.systemic_min", "critical": 10},
    },
    # Inventory Heatmap: "Top seller + <3 days cover = P0; top + 3-7 = P1; mid + <3 = P2; low + <3 = P3".
    # stockout_priority is the tile's own matrix (hotdash.store.sellers): its tiers, cover and tunables.
    {
        "key": "inventory.stockout_p0",
        "name": "P0 stockout risk: top seller about to run out",
        "description": "Guide P0: expedite the supplier shipment, prepare a pre-sell campaign.",
        "tile": "inventory",
        "kind": "time",
        "entity": "skus",
        "expression": "is_active AND stockout_priority = 'P0'",
        "severity": "critical",
    },
    {
        "key": "inventory.stockout_p1",
        "name": "P1 stockout risk: top seller running low",
        "description": "Guide P1: ask the supplier for a standard rush, update the product page.",
        "tile": "inventory",
        "kind": "time",
        "entity": "skus",
        "expression": "is_active AND stockout_priority = 'P1'",
        "severity": "warning",
    },
    {
        "key": "inventory.stockout_p2",
        "name": "P2 stockout risk: mid seller about to run out",
        "description": "Guide P2: standard reorder, monitor.",
        "tile": "inventory",
        "kind": "time",
        "entity": "skus",
        "expression": "is_active AND stockout_priority = 'P2'",
        "severity": "warning",
    },
    {
        "key": "inventory.stockout_p3",
        "name": "P3 stockout risk: low seller about to run out",
        "description": "Guide P3: reorder on the normal schedule.",
        "tile": "inventory",
        "kind": "time",
        "entity": "skus",
        "expression": "is_active AND stockout_priority = 'P3'",
        "severity": "info",
    },
    # CX Escalations.
    {
        "key": "cx.escalation_volume",
        "name": "Escalation volume (last 24 h)",
        "description": "Guide: high 30-50 escalations/day -> bring in backup; critical >50 -> all hands.",
        "tile": "cx",
        "kind": "metric",
        "entity": "tickets",
        "expression": "is_escalated",
        "aggregate": "count",
        "window_field": "escalated_at",
        "window_hours": 24,
        "thresholds": {"warning": "cx.escalations_high_min", "critical": "cx.escalations_critical_above + 1"},
    },
    {
        "key": "cx.open_escalation",
        "name": "Escalated ticket still open",
        "description": "Counted by the systemic-issue rule; each one needs an owner.",
        "tile": "cx",
        "kind": "record",
        "entity": "tickets",
        "expression": "is_open AND is_escalated",
        "severity": "info",
    },
    {
        "key": "cx.same_issue_3x",
        "name": "Same issue 3+ times: systemic problem",
        "description": "Guide: same issue appears 3+ times = systemic problem. "
        "Escalations sharing a category in 48 h.",
        "tile": "cx",
        "kind": "pattern",
        "entity": "tickets",
        "source_rule_key": "cx.open_escalation",
        "pattern_field": "category",
        "window_hours": 48,
        "thresholds": {"warning": "cx.systemic_min", "critical": 10},
    },
    {
        "key": "cx.first_response_sla_urgent",
        "name": "Urgent ticket past its first-response SLA",
        "description": "Guide: urgent escalations (15-min SLA): legal and regulatory threats, high-value "
        "issues, and priority urgent. Business minutes, in the store's hours.",
        "tile": "cx",
        "kind": "time",
        "entity": "tickets",
        "expression": f"{UNANSWERED} AND is_urgent "
        "AND sla_breached(created_at, 'cx.urgent_first_response_minutes')",
        "severity": "critical",
    },
    {
        "key": "cx.first_response_sla",
        "name": "Ticket past its first-response SLA",
        "description": "Non-urgent tickets: cx.first_response_minutes (60) business minutes to a first "
        "reply, as the CX tile counts them.",
        "tile": "cx",
        "kind": "time",
        "entity": "tickets",
        "expression": f"{UNANSWERED} AND NOT is_urgent "
        "AND sla_breached(created_at, 'cx.first_response_minutes')",
        "severity": "warning",
    },
    {
        "key": "cx.first_response_sla_soon",
        "name": "Ticket breaches its first-response SLA within 30 minutes",
        "description": "Waited 30 of its 60 business minutes: answer it before it breaches.",
        "tile": "cx",
        "kind": "time",
        "entity": "tickets",
        "expression": f"{UNANSWERED} AND NOT is_urgent",
        "sla_field": "created_at",
        "sla_business_minutes": 30,
        "severity": "info",
        "active_when": "business_hours",
    },
    {
        "key": "cx.resolution_sla",
        "name": "Ticket open past its resolution SLA",
        "description": "Guide: <2 hour resolution for 90% of issues. Business hours.",
        "tile": "cx",
        "kind": "time",
        "entity": "tickets",
        "expression": "is_open AND sla_breached(created_at, 'cx.resolution_hours')",
        "severity": "info",
    },
    {
        "key": "cx.legal_regulatory_threat",
        "name": "Legal or regulatory threat",
        "description": "Guide: legal/regulatory threats -> handle personally, document everything.",
        "tile": "cx",
        "kind": "record",
        "entity": "tickets",
        "expression": "is_open AND (legal_threat OR regulatory_threat)",
        "severity": "critical",
    },
    {
        "key": "cx.refund_needs_approval",
        "name": "Refund over $100 needs a manager's approval",
        "description": "Guide: refunds >$100 -> manager approval required.",
        "tile": "cx",
        "kind": "record",
        "entity": "refunds",
        "expression": "needs_approval AND NOT is_high_value",
        "severity": "warning",
    },
    {
        "key": "cx.refund_needs_manager",
        "name": "Refund over $500: the manager responds personally",
        "description": "Guide: high-value issues (>$500) -> personal response from the manager.",
        "tile": "cx",
        "kind": "record",
        "entity": "refunds",
        "expression": "needs_approval AND is_high_value",
        "severity": "critical",
    },
    # SEO Content: "Traffic drop >20% -> emergency marketing review".
    {
        "key": "seo.traffic_drop",
        "name": "Traffic down more than 20% week over week",
        "description": "Sessions of the last 7 whole days against the 7 before. "
        "Guide: drop >20% -> emergency review.",
        "tile": "seo",
        "kind": "metric",
        "entity": "page_traffic",
        "expression": "days_since(day) >= 1",
        "aggregate": "sum",
        "aggregate_field": "sessions",
        "window_field": "day",
        "window_hours": 168,
        "compare_previous": True,
        "threshold_op": "<=",
        "thresholds": {"warning": -0.2, "critical": -0.4},
    },
    # Team Performance: "Any metric <80% of target -> 1-on-1 coaching".
    {
        "key": "team.below_target",
        "name": "Team member below 80% of a target",
        "description": "Guide: any metric <80% of target -> 1-on-1 coaching "
        "(quality, CSAT, tickets per day; 7 days). Like the Team tile (team.min_tickets), a support operator "
        "is judged only with 10 tickets or more in those 7 days.",
        "tile": "team",
        "kind": "time",
        "entity": "team_members",
        "expression": "is_active AND role = 'support' "
        "AND tickets_per_day_7d * 7 >= tunable('team.min_tickets') "
        "AND (quality_vs_target < tunable('team.coaching_pct') / 100 "
        "OR csat_vs_target < tunable('team.coaching_pct') / 100 "
        "OR tickets_vs_target < tunable('team.coaching_pct') / 100)",
        "severity": "warning",
    },
]


def default_specs() -> list[RuleSpec]:
    """Return the default pack, validated."""
    return [RuleSpec.model_validate(data) for data in DEFAULT_RULES]


def install_defaults(*, session: Session, now: datetime, actor: User | None = None) -> list[str]:
    """Add the default rules that are missing (by key); return the keys added."""
    existing = set(session.scalars(select(Rule.key)))
    added = []
    for spec in default_specs():
        if spec.key not in existing:
            service.create_rule(
                session=session, spec=spec, actor=actor, now=now, author="defaults", is_default=True
            )
            added.append(spec.key)
    return added
