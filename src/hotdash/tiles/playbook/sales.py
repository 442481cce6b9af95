"""Sales Pulse decision rules: how far revenue fell, and why revenue moved (the guide's decision tree)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotdash.tiles.schemas import Status

PLAYBOOK = "Manager guide: Revenue Management (Sales Pulse)"


class Direction(StrEnum):
    """Where a figure went, with changes inside the flat band counted as flat."""

    up = "up"
    flat = "flat"
    down = "down"
    unknown = "unknown"


def direction(change_pct: float | None, flat_pct: float) -> Direction:
    """Return up, down or flat; a change of exactly the flat band still counts as flat."""
    if change_pct is None:
        return Direction.unknown
    if change_pct > flat_pct:
        return Direction.up
    if change_pct < -flat_pct:
        return Direction.down
    return Direction.flat


def enough_volume(baseline_orders: float | None, min_orders: float) -> bool:
    """Tell whether the baseline has the orders to judge a change by (`sales.min_baseline_orders`)."""
    return baseline_orders is not None and baseline_orders >= min_orders


def revenue_status(
    change_pct: float | None,
    watch_drop: float,
    warning_drop: float,
    critical_drop: float,
    *,
    baseline_orders: float | None = None,
    min_orders: float = 0,
) -> Status:
    """Return the status of revenue against its baseline: a drop beyond each threshold raises it, unless the
    baseline has fewer than `min_orders` orders ($0 against $64 at 1 am is one order not yet placed)."""
    if change_pct is None or (min_orders > 0 and not enough_volume(baseline_orders, min_orders)):
        return Status.ok
    drop = -change_pct
    if drop > critical_drop:
        return Status.critical
    if drop > warning_drop:
        return Status.warning
    if drop > watch_drop:
        return Status.watch
    return Status.ok


@dataclass(frozen=True)
class SalesSignals:
    """What the diagnosis looks at: changes in percent against the baseline, and the blockers."""

    revenue_pct: float | None
    revenue_vs_last_week_pct: float | None
    orders_pct: float | None
    aov_pct: float | None
    sessions_pct: float | None
    late_orders: int
    out_of_stock_top_sellers: int
    flat_pct: float
    capacity_issue_from: int


@dataclass(frozen=True)
class Diagnosis:
    """The cause the decision tree settles on and the action it prescribes."""

    code: str
    cause: str
    action: str
    rule: str


def _traffic_note(signals: SalesSignals) -> str:
    traffic = direction(signals.sessions_pct, signals.flat_pct)
    if traffic is Direction.down:
        return "fewer visitors came (traffic down, see SEO Content)"
    if traffic is Direction.unknown:
        return "traffic data is missing"
    return "traffic held, so fewer visitors bought (check conversion: site, checkout, prices)"


def diagnose(signals: SalesSignals) -> Diagnosis:
    """Walk the guide's tree: revenue down -> volume, AOV or weekly pattern; up -> inventory or warehouse."""
    revenue = direction(signals.revenue_pct, signals.flat_pct)
    volume = direction(signals.orders_pct, signals.flat_pct)
    aov = direction(signals.aov_pct, signals.flat_pct)
    stockouts = signals.out_of_stock_top_sellers > 0
    delays = signals.late_orders >= signals.capacity_issue_from
    if revenue is Direction.unknown:
        return Diagnosis(
            "no_baseline",
            "No baseline yet: the days before hold no sales to compare with.",
            "Check again once a week of sales is recorded.",
            f"{PLAYBOOK}: Why is revenue up/down?",
        )
    if revenue is Direction.down:
        last_week = direction(signals.revenue_vs_last_week_pct, signals.flat_pct)
        if last_week in (Direction.flat, Direction.up):
            return Diagnosis(
                "weekly_pattern",
                "Seasonal pattern: revenue is below the 7-day baseline but in line with the same time last "
                "week.",
                "No emergency: plan marketing ahead of this recurring dip.",
                f"{PLAYBOOK}: Seasonal pattern? / Predictive Management",
            )
        if volume is Direction.down:
            return Diagnosis(
                "marketing",
                f"Marketing problem: fewer orders; {_traffic_note(signals)}.",
                "Coordinate with marketing on a promotion or campaign; check traffic sources.",
                f"{PLAYBOOK}: Revenue down + volume down -> Marketing problem",
            )
        if aov is Direction.down:
            return Diagnosis(
                "upsell",
                "Upsell problem: as many orders, but smaller ones.",
                "Review bundles, cross-sells and free-shipping thresholds with the sales team.",
                f"{PLAYBOOK}: Revenue down + AOV down -> Upsell problem",
            )
        return Diagnosis(
            "revenue_drop",
            "Revenue drop with orders and order value each only slightly lower.",
            "Investigate root cause, coordinate cross-functional response.",
            f"{PLAYBOOK}: Revenue drop",
        )
    if revenue is Direction.up and stockouts:
        return Diagnosis(
            "procurement",
            "Procurement urgency: revenue is up while top sellers are out of stock.",
            "Expedite restock of the top sellers; ensure inventory can support demand.",
            f"{PLAYBOOK}: Revenue up + inventory low -> Procurement urgency",
        )
    if revenue is Direction.up and delays:
        return Diagnosis(
            "warehouse_capacity",
            "Warehouse capacity issue: revenue is up and orders are waiting past their ship-by promise.",
            "Contact the warehouse: shift priorities or bring in temporary help.",
            f"{PLAYBOOK}: Revenue up + fulfillment delays -> Warehouse capacity issue",
        )
    if stockouts or delays:
        return Diagnosis(
            "fulfillment_blockers",
            "Fulfillment issues are holding sales back.",
            "Prioritize resolution: restock top sellers and clear late orders.",
            f"{PLAYBOOK}: Fulfillment issues -> Directly impact sales, prioritize resolution",
        )
    if revenue is Direction.up:
        return Diagnosis(
            "growth",
            "Revenue is growing.",
            "Ensure inventory can support demand.",
            f"{PLAYBOOK}: Revenue spike -> Ensure inventory can support demand",
        )
    return Diagnosis(
        "steady",
        "Revenue is in line with its baseline.",
        "Business as usual.",
        f"{PLAYBOOK}: Why is revenue up/down?",
    )
