"""The registry of tunables: the operator guide's numbers, named and documented, with their defaults.

Managers change them at run time (stored in `threshold_overrides`, every change audited by the service that
makes it). Where the guide gives a number it is the default, quoted in the help text; where it is silent the
default is ours, and the help text says so. Tiles read them by key; default rules name them (the rule
language's `tunable('key')` and thresholds given as keys), so one change moves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["money", "count", "percent", "minutes", "hours", "days", "score", "rate", "per_day"]


@dataclass(frozen=True)
class Tunable:
    """One tunable number of the playbook; `area` is the tile (and rule area) it belongs to."""

    key: str
    area: str
    label: str
    default: float
    unit: Unit
    help: str
    minimum: float
    maximum: float
    integer: bool = False


def _t(
    key: str,
    label: str,
    default: float,
    unit: Unit,
    help: str,
    minimum: float,
    maximum: float,
    integer: bool = False,
) -> Tunable:
    return Tunable(key, key.split(".")[0], label, default, unit, help, minimum, maximum, integer)


REGISTRY: tuple[Tunable, ...] = (
    # Sales Pulse
    _t(
        "sales.revenue_watch_drop_pct",
        "Revenue drop: watch",
        10,
        "percent",
        "Revenue this far below its 7-day baseline puts Sales Pulse on watch. Our default; the guide sets no "
        "number.",
        0,
        100,
    ),
    _t(
        "sales.revenue_warning_drop_pct",
        "Revenue drop: warning",
        20,
        "percent",
        "Revenue this far below its 7-day baseline is a warning (the guide's '>20% drop' emergency line for "
        "traffic, applied to revenue).",
        0,
        100,
    ),
    _t(
        "sales.revenue_critical_drop_pct",
        "Revenue drop: critical",
        35,
        "percent",
        "Revenue this far below its 7-day baseline is critical. Our default.",
        0,
        100,
    ),
    _t(
        "sales.flat_pct",
        "Flat band",
        5,
        "percent",
        "A change smaller than this counts as flat when diagnosing revenue as volume, AOV or traffic.",
        0,
        50,
    ),
    _t("sales.top_skus", "Top SKUs listed", 5, "count", "How many top SKUs Sales Pulse lists.", 1, 50, True),
    _t(
        "sales.min_baseline_orders",
        "Revenue judged from",
        10,
        "count",
        "Revenue is judged against its baseline only when the baseline averages at least this many orders in "
        "the same window; below it (early morning, a quiet store) a drop is too few orders to mean anything "
        "and Sales Pulse stays ok. Our default; the guide sets no number.",
        0,
        100_000,
        True,
    ),
    # CX Escalations
    _t(
        "cx.escalations_normal_max",
        "Escalations: normal up to",
        20,
        "per_day",
        "Guide: 'Normal: 10-20 escalations/day (manageable)'.",
        0,
        10_000,
        True,
    ),
    _t(
        "cx.escalations_high_min",
        "Escalations: high from",
        30,
        "per_day",
        "Guide: 'High: 30-50 escalations/day (need more support resources)'. Between normal and high: watch.",
        0,
        10_000,
        True,
    ),
    _t(
        "cx.escalations_critical_above",
        "Escalations: critical above",
        50,
        "per_day",
        "Guide: 'Critical: >50 escalations/day (systemic issue, all-hands)'.",
        0,
        10_000,
        True,
    ),
    _t(
        "cx.urgent_first_response_minutes",
        "First response SLA, urgent",
        15,
        "minutes",
        "Guide: 'Urgent Escalations (15-min SLA)'. Business minutes.",
        1,
        10_000,
    ),
    _t(
        "cx.first_response_minutes",
        "First response SLA, other tickets",
        60,
        "minutes",
        "Business minutes to a first reply for non-urgent tickets. Our default; the guide's 3-minute "
        "figure is a team average target (see Team Performance).",
        1,
        10_000,
    ),
    _t(
        "cx.resolution_hours",
        "Resolution SLA",
        2,
        "hours",
        "Guide: '<2 hour resolution for 90% of issues'. Business hours.",
        0.1,
        1_000,
    ),
    _t(
        "cx.systemic_min",
        "Systemic problem at",
        3,
        "count",
        "Guide: 'Same Issue Appears 3+ Times = Systemic Problem'.",
        2,
        1_000,
        True,
    ),
    _t(
        "cx.systemic_window_hours",
        "Systemic look-back",
        48,
        "hours",
        "How far back tickets count towards the same issue. Our default.",
        1,
        720,
    ),
    _t(
        "cx.refund_approval_above",
        "Refund needs manager approval above",
        100,
        "money",
        "Guide: 'Refunds >$100 -> Manager approval required'.",
        0,
        1_000_000,
    ),
    _t(
        "cx.high_value_above",
        "High-value issue above",
        500,
        "money",
        "Guide: 'High-Value Issues (>$500)': personal response from the manager.",
        0,
        1_000_000,
    ),
    # Fulfillment Health
    _t(
        "fulfillment.monitor_min",
        "Delayed orders: monitor from",
        1,
        "count",
        "Guide: '1-5 delayed orders -> Normal operations, monitor'.",
        0,
        100_000,
        True,
    ),
    _t(
        "fulfillment.investigate_min",
        "Delayed orders: investigate from",
        5,
        "count",
        "Guide: '5-15 delayed orders -> Warehouse capacity issue, investigate'.",
        0,
        100_000,
        True,
    ),
    _t(
        "fulfillment.critical_above",
        "Delayed orders: critical above",
        15,
        "count",
        "Guide: '>15 delayed orders -> Critical, immediate warehouse contact'.",
        0,
        100_000,
        True,
    ),
    _t(
        "fulfillment.outreach_hours",
        "Proactive outreach after",
        24,
        "hours",
        "Guide: 'Orders delayed >24 hours -> Proactive outreach'.",
        0,
        10_000,
    ),
    _t(
        "fulfillment.compensation_hours",
        "Expedite and compensate after",
        48,
        "hours",
        "Guide: 'Orders delayed >48 hours -> Expedite + compensation'.",
        0,
        10_000,
    ),
    _t(
        "fulfillment.refund_offer_hours",
        "Refund offer after",
        72,
        "hours",
        "Guide: 'Orders delayed >72 hours -> Full refund offer + expedite'.",
        0,
        10_000,
    ),
    # Inventory Heatmap
    _t(
        "inventory.top_seller_pct",
        "Top sellers: top share of SKUs",
        20,
        "percent",
        "SKUs in this top share by 28-day revenue are top sellers. Our default (the classic 80/20 cut).",
        1,
        100,
    ),
    _t(
        "inventory.mid_seller_pct",
        "Mid sellers: next share of SKUs",
        30,
        "percent",
        "The next share of SKUs by revenue are mid sellers; the rest are low sellers. Our default.",
        0,
        100,
    ),
    _t(
        "inventory.p0_cover_days",
        "P0/P2/P3: cover under",
        3,
        "days",
        "Guide: 'Top Seller + <3 days cover = P0 URGENT'; mid and low sellers under it are P2 and P3.",
        0,
        365,
    ),
    _t(
        "inventory.p1_cover_days",
        "P1: cover under",
        7,
        "days",
        "Guide: 'Top Seller + 3-7 days cover = P1 Important'.",
        0,
        365,
    ),
    _t(
        "inventory.demand_days",
        "Demand look-back",
        28,
        "days",
        "Days of sales the demand rate is estimated from. Our default.",
        7,
        365,
        True,
    ),
    _t(
        "inventory.target_cover_days",
        "Reorder to cover",
        30,
        "days",
        "A reorder brings stock to this many days of demand beyond the supplier's lead time. Our default.",
        1,
        365,
    ),
    _t(
        "inventory.rush_lead_days",
        "Expedited lead time",
        3,
        "days",
        "Days a rushed supplier shipment takes, for the expedite calculator. Our default.",
        0,
        365,
    ),
    # SEO Content
    _t(
        "seo.traffic_drop_pct",
        "Traffic drop flagged above",
        20,
        "percent",
        "Guide: 'Traffic drop >20% -> Emergency marketing review'. Week over week, per landing page.",
        0,
        100,
    ),
    _t(
        "seo.flat_pct",
        "Flat band",
        5,
        "percent",
        "Week-over-week changes smaller than this count as flat in the traffic x sales quadrant.",
        0,
        50,
    ),
    _t(
        "seo.min_sessions",
        "Pages judged from",
        50,
        "count",
        "Pages with fewer sessions the week before are not flagged: their swings are noise. Our default.",
        0,
        1_000_000,
        True,
    ),
    # Team Performance
    _t(
        "team.coaching_pct",
        "Coaching trigger below",
        80,
        "percent",
        "Guide: 'Any metric <80% of target -> 1-on-1 coaching'.",
        0,
        100,
    ),
    _t(
        "team.window_days",
        "Performance window",
        7,
        "days",
        "Days of work each operator is measured over. Our default.",
        1,
        90,
        True,
    ),
    _t(
        "team.min_tickets",
        "Operators judged from",
        10,
        "count",
        "Operators with fewer tickets in the window are shown but not judged. Our default.",
        0,
        10_000,
        True,
    ),
    _t(
        "team.capacity_tickets_per_day",
        "At capacity from",
        40,
        "per_day",
        "Guide: 'Current team at capacity (40-50 tickets/day each)?'.",
        1,
        10_000,
    ),
    _t(
        "team.hire_escalations_per_day",
        "Hire signal: escalations above",
        30,
        "per_day",
        "Guide: 'Yes if: Escalations >30/day for 2+ weeks + revenue growing + team at capacity'.",
        0,
        10_000,
    ),
    _t("team.hire_days", "Hire signal: sustained for", 14, "days", "Guide: 'for 2+ weeks'.", 1, 365, True),
    _t(
        "team.target_first_response_minutes",
        "Default target: first response",
        3,
        "minutes",
        "Guide: 'Response time: <3 min average'; used for operators without a personal target.",
        0.1,
        10_000,
    ),
    _t(
        "team.target_quality_pct",
        "Default target: quality",
        99,
        "percent",
        "Guide: 'Quality score: 99%+'.",
        0,
        100,
    ),
    _t(
        "team.target_csat",
        "Default target: CSAT",
        4.8,
        "score",
        "Guide: 'Customer satisfaction: 4.8/5+'.",
        1,
        5,
    ),
    _t(
        "team.target_escalation_rate_pct",
        "Default target: escalation rate at most",
        10,
        "percent",
        "Guide: 'Escalation rate: 5-10%'.",
        0,
        100,
    ),
    _t(
        "team.target_tickets_per_day",
        "Default target: tickets per day",
        40,
        "per_day",
        "Guide: team at capacity at 40-50 tickets/day each.",
        0,
        10_000,
    ),
)

BY_KEY = {t.key: t for t in REGISTRY}

# Tunables that must stay in this order (each at most the next), checked whenever one changes.
ORDERED: tuple[tuple[str, ...], ...] = (
    ("sales.revenue_watch_drop_pct", "sales.revenue_warning_drop_pct", "sales.revenue_critical_drop_pct"),
    ("cx.escalations_normal_max", "cx.escalations_high_min", "cx.escalations_critical_above"),
    ("fulfillment.monitor_min", "fulfillment.investigate_min", "fulfillment.critical_above"),
    ("fulfillment.outreach_hours", "fulfillment.compensation_hours", "fulfillment.refund_offer_hours"),
    ("inventory.p0_cover_days", "inventory.p1_cover_days"),
    ("cx.refund_approval_above", "cx.high_value_above"),
)
