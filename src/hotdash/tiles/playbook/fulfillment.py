"""Fulfillment Health decision rules: delayed-order bands, delay-age actions and where delays concentrate."""

from __future__ import annotations

from dataclasses import dataclass

from hotdash.tiles.schemas import Status

PLAYBOOK = "Manager guide: Operational Risk Management (Fulfillment Health)"


@dataclass(frozen=True)
class Band:
    """Where a count of delayed orders falls in the guide's bands."""

    status: Status
    meaning: str
    action: str


def delay_band(delayed: int, monitor_min: int, investigate_min: int, critical_above: int) -> Band:
    """Return the band of a delayed-order count: monitor from, investigate from, critical above."""
    if delayed <= 0:
        return Band(Status.ok, "on time", "Business as usual.")
    if delayed > critical_above:
        return Band(
            Status.critical, "critical", "Immediate warehouse contact: get an ETA from the warehouse manager."
        )
    if delayed >= investigate_min:
        return Band(
            Status.warning,
            "investigate: warehouse capacity issue",
            "Investigate warehouse capacity: shift priorities or bring in temporary help.",
        )
    if delayed >= monitor_min:
        return Band(Status.watch, "monitor", "Normal operations: monitor the delayed orders.")
    return Band(Status.ok, "below the monitoring threshold", "Business as usual.")


def band_reason(delayed: int, band: Band, investigate_min: int, critical_above: int) -> str:
    """Return the sentence a manager reads for the band, e.g. '23 orders are past their promise; ...'."""
    if delayed == 0:
        return "No order is past its promise."
    rule = {
        Status.critical: f"over {critical_above} is critical.",
        Status.warning: f"{investigate_min} to {critical_above} means a warehouse capacity issue.",
        Status.watch: f"under {investigate_min} is normal operations, to monitor.",
        Status.ok: "too few to act on.",
    }[band.status]
    subject = f"{delayed} orders are past their promise" if delayed > 1 else "1 order is past its promise"
    return f"{subject}; {rule}"


@dataclass(frozen=True)
class AgeBucket:
    """Delayed orders older than `after_hours` (and not in an older bucket) get this action."""

    key: str
    after_hours: float
    title: str
    action: str
    severity: Status


def age_buckets(outreach_hours: float, compensation_hours: float, refund_hours: float) -> list[AgeBucket]:
    """Return the guide's delay-age buckets, oldest first; an order belongs to the first it is past."""
    return [
        AgeBucket(
            "refund_offer",
            refund_hours,
            f"delayed over {refund_hours:g} hours",
            "Offer a full refund and expedite the order.",
            Status.critical,
        ),
        AgeBucket(
            "compensation",
            compensation_hours,
            f"delayed over {compensation_hours:g} hours",
            "Expedite the order and offer compensation.",
            Status.warning,
        ),
        AgeBucket(
            "outreach",
            outreach_hours,
            f"delayed over {outreach_hours:g} hours",
            "Reach out to the customers proactively with a new date.",
            Status.watch,
        ),
    ]


def bucket_of(delay_hours: float, buckets: list[AgeBucket]) -> AgeBucket | None:
    """Return the bucket an order delayed by `delay_hours` belongs to; exactly at a limit is not past it."""
    for bucket in buckets:
        if delay_hours > bucket.after_hours:
            return bucket
    return None


def holds_most(group_count: int, total: int, min_count: int) -> bool:
    """Tell whether one carrier or warehouse holds most delays: over half, and at least `min_count`."""
    return total > 0 and group_count * 2 > total and group_count >= min_count
