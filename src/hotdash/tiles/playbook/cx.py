"""CX Escalations: the operator guide's escalation bands, pattern rule and escalation handling, as pure
functions of counts the tile has measured."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotdash.tiles.schemas import Status

VOLUME = "Team Workload Management: Escalation Volume Analysis"
PATTERN = "Team Workload Management: Escalation Pattern Recognition (same issue 3+ times = systemic problem)"
HIGH_VALUE = "Handling High-Value Escalations; Escalation Handling Playbook: High-Value Issues (>$500)"
REFUNDS = "Handling High-Value Escalations: Refunds >$100 -> Manager approval required"
LEGAL = "Escalation Handling Playbook: Legal Threats"
REGULATORY = "Escalation Handling Playbook: Regulatory Threats (BBB, FTC, etc.)"
VIP = "Handling High-Value Escalations: VIP customers -> White-glove treatment"
SLA = "Escalation Handling Playbook: Urgent Escalations (15-min SLA)"
EFFICIENCY = "Success Metrics: Operational efficiency: <2 hour resolution for 90% of issues"

NORMAL_ACTION = "Business as usual"
ELEVATED_ACTION = "Watch the queue: above normal volume; line up backup in case it reaches the high band"
HIGH_ACTION = "Redistribute work, bring in backup"
CRITICAL_ACTION = "Root cause analysis, emergency response: all hands on the queue"
SYSTEMIC_ACTION = (
    "Identify the root cause, coordinate the fix with {owner}, draft a holding response for all affected "
    "customers, monitor until resolved"
)
LEGAL_ACTION = (
    "Handle personally: acknowledge immediately ('I've received your message and am reviewing'), don't admit "
    "fault or make promises, consult legal if needed, resolve generously if possible, document everything"
)
REGULATORY_ACTION = (
    "Handle personally: respond quickly, document all communications, resolve completely, alert compliance, "
    "follow up to confirm resolution"
)
HIGH_VALUE_ACTION = (
    "Respond personally (manager level), investigate thoroughly, resolve generously, follow up: 'Is this "
    "resolved to your satisfaction?', add to the VIP program if not already"
)
REFUND_APPROVAL_ACTION = "Approve or decline each refund request: above the approval line it needs a manager"
VIP_ACTION = "White-glove treatment: a senior operator or you take each VIP escalation"
SLA_ACTION = "Answer the waiting tickets now, oldest and urgent first; move an operator onto the queue"
EFFICIENCY_ACTION = "Find what keeps tickets open past 2 business hours (waiting on others, missing macros)"


@dataclass(frozen=True)
class Kind:
    """One kind of CX exception: how it reads, how severe it is, and the guide's action for it."""

    title: str
    detail: str  # may name {high_value}, {approval}, {urgent} and {other}, filled in by the tile
    severity: Status
    action: str


# Legal and regulatory threats are warnings, critical once "acknowledge immediately" has been missed.
KINDS = {
    "legal": Kind("Legal threat", "Open tickets threatening legal action.", Status.warning, LEGAL_ACTION),
    "regulatory": Kind(
        "Regulatory complaint",
        "Open tickets threatening the BBB, the FTC or another regulator.",
        Status.warning,
        REGULATORY_ACTION,
    ),
    "high_value": Kind(
        "High-value escalation",
        "Open escalations with more than {high_value} at stake.",
        Status.watch,
        HIGH_VALUE_ACTION,
    ),
    "vip": Kind("VIP escalation", "Open escalations from VIP customers.", Status.watch, VIP_ACTION),
    "first_response_breached": Kind(
        "Waiting past first-response SLA",
        "Unanswered beyond {urgent} business minutes (urgent) or {other} (others).",
        Status.watch,
        SLA_ACTION,
    ),
    "at_risk": Kind(
        "SLA breaches in the next 30 minutes",
        "Open tickets whose first-response or resolution SLA runs out within 30 minutes.",
        Status.watch,
        SLA_ACTION,
    ),
    "refunds_personal": Kind(
        "Refund requests above {high_value}",
        "Pending refund requests: high-value, handle personally.",
        Status.watch,
        HIGH_VALUE_ACTION,
    ),
    "refunds_approval": Kind(
        "Refund requests above {approval}",
        "Pending refund requests that need manager approval.",
        Status.watch,
        REFUND_APPROVAL_ACTION,
    ),
}

# Who fixes the cause of a cluster of tickets, by category (the guide's examples, plus ours).
OWNERS = {
    "wismo": "the shipping partner",
    "wrong_item": "the product data owner",
    "site_error": "the web team",
    "damaged": "the warehouse (packing) and the carrier (handling)",
    "billing": "payments",
    "return_request": "the returns desk",
}
# How far above its usual level a group must be, in Poisson standard deviations, to count as systemic.
SIGMAS = 3.0


@dataclass(frozen=True)
class Band:
    """Where a day's escalation count falls in the guide's bands."""

    status: Status
    name: str
    action: str


def escalation_band(per_day: float, normal_max: float, high_min: float, critical_above: float) -> Band:
    """Normal up to normal_max; watch below high_min; high (warning) up to critical_above; critical above."""
    if per_day > critical_above:
        return Band(Status.critical, "critical", CRITICAL_ACTION)
    if per_day >= high_min:
        return Band(Status.warning, "high", HIGH_ACTION)
    if per_day > normal_max:
        return Band(Status.watch, "above normal", ELEVATED_ACTION)
    return Band(Status.ok, "normal", NORMAL_ACTION)


def is_systemic(count: int, expected: float, minimum: int) -> bool:
    """Tell whether `count` tickets about one issue are a systemic problem.

    The guide's rule is "same issue 3+ times". On a store where an issue normally never comes up that is the
    whole rule (expected = 0). A busy store gets dozens of "where is my order" tickets every day, so the
    count must also stand out from the issue's usual level by more than chance: above the expected count
    plus SIGMAS Poisson standard deviations.
    """
    return count >= minimum and count > expected + SIGMAS * math.sqrt(max(expected, 0.0))


def owner_for(category: str, carrier: str | None = None) -> str:
    """Return who coordinates the fix for a cluster of tickets."""
    if category == "wismo":
        return f"the shipping partner ({carrier})" if carrier else "the warehouse (orders not shipped yet)"
    return OWNERS.get(category, "the responsible team")


@dataclass(frozen=True)
class CxSignals:
    """What the CX tile measured, as counts."""

    escalations_24h: int
    legal: int = 0
    regulatory: int = 0
    systemic: int = 0
    high_value: int = 0
    refunds_personal: int = 0
    refunds_approval: int = 0
    vip: int = 0
    first_response_breaches: int = 0
    at_risk: int = 0
    resolved_within_pct: float | None = None
    resolution_target_pct: float = 90.0


@dataclass(frozen=True)
class Verdict:
    """The tile's status, why, and the next action with the guide rule it follows."""

    status: Status
    reason: str
    action: str
    why: str
    playbook: str
    exception_key: str | None


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def assess(s: CxSignals, normal_max: float, high_min: float, critical_above: float) -> Verdict:
    """Combine the volume band with the escalations that need the manager into one status and action.

    Legal and regulatory threats and systemic problems make the tile at least a warning: each needs the
    manager today whatever the volume. High-value issues, refunds awaiting approval, VIP escalations and SLA
    breaches put it on watch at least.
    """
    band = escalation_band(s.escalations_24h, normal_max, high_min, critical_above)
    status = band.status
    if s.legal or s.regulatory or s.systemic:
        status = Status.worst(status, Status.warning)
    below_target = s.resolved_within_pct is not None and s.resolved_within_pct < s.resolution_target_pct
    if s.high_value or s.refunds_personal or s.refunds_approval or s.vip or s.first_response_breaches:
        status = Status.worst(status, Status.watch)
    if s.at_risk or below_target:
        status = Status.worst(status, Status.watch)

    lines = {
        "normal": f"up to {normal_max:g} a day is normal",
        "above normal": f"above the normal {normal_max:g} a day",
        "high": f"in the high band ({high_min:g} to {critical_above:g} a day)",
        "critical": f"above the critical line of {critical_above:g} a day",
    }
    reason = f"{_plural(s.escalations_24h, 'escalation')} in the last 24 hours, {lines[band.name]}"
    needs = [
        text
        for count, text in (
            (s.legal, _plural(s.legal, "legal threat")),
            (s.regulatory, _plural(s.regulatory, "regulatory complaint")),
            (s.systemic, _plural(s.systemic, "systemic issue")),
            (s.high_value, _plural(s.high_value, "high-value escalation")),
            (
                s.refunds_personal + s.refunds_approval,
                _plural(s.refunds_personal + s.refunds_approval, "refund request") + " awaiting approval",
            ),
            (s.vip, _plural(s.vip, "VIP escalation")),
            (
                s.first_response_breaches,
                _plural(s.first_response_breaches, "ticket") + " past first-response SLA",
            ),
        )
        if count
    ]
    if needs:
        reason += "; needs you: " + ", ".join(needs)
    if below_target:
        reason += (
            f"; {s.resolved_within_pct:.1f}% resolved within target (goal {s.resolution_target_pct:.0f}%)"
        )
    reason += "."

    # The first rule that applies is the next action, most urgent first.
    choices = (
        (
            s.legal > 0,
            LEGAL_ACTION,
            f"{_plural(s.legal, 'legal threat')} open: handle personally, today.",
            LEGAL,
            "legal",
        ),
        (
            s.regulatory > 0,
            REGULATORY_ACTION,
            f"{_plural(s.regulatory, 'regulatory complaint')} open: handle personally, today.",
            REGULATORY,
            "regulatory",
        ),
        (
            band.name == "critical",
            band.action,
            "Escalation volume is critical: a systemic issue, all hands.",
            VOLUME,
            None,
        ),
        (
            s.systemic > 0,
            SYSTEMIC_ACTION.format(owner="the responsible team"),
            f"{_plural(s.systemic, 'issue')} keep coming back: one fix helps every affected customer.",
            PATTERN,
            "systemic",
        ),
        (
            band.name == "high",
            band.action,
            "Escalation volume is high: the team needs more support resources.",
            VOLUME,
            None,
        ),
        (
            s.high_value + s.refunds_personal > 0,
            HIGH_VALUE_ACTION,
            "High-value issues wait for a personal response from you.",
            HIGH_VALUE,
            "high_value" if s.high_value else "refunds_personal",
        ),
        (
            s.refunds_approval > 0,
            REFUND_APPROVAL_ACTION,
            "Refund requests above the approval line wait for you.",
            REFUNDS,
            "refunds_approval",
        ),
        (s.vip > 0, VIP_ACTION, "VIP customers are escalating.", VIP, "vip"),
        (
            s.first_response_breaches + s.at_risk > 0,
            SLA_ACTION,
            "Customers are waiting past, or are about to pass, the SLA.",
            SLA,
            "first_response_breached" if s.first_response_breaches else "at_risk",
        ),
        (band.name == "above normal", band.action, "Escalations are above the normal band.", VOLUME, None),
        (
            below_target,
            EFFICIENCY_ACTION,
            "Too few tickets are resolved within the resolution SLA.",
            EFFICIENCY,
            None,
        ),
    )
    for applies, action, why, playbook, key in choices:
        if applies:
            return Verdict(status, reason, action, why, playbook, key)
    return Verdict(
        status,
        reason,
        NORMAL_ACTION,
        "Escalations are in the normal band and nothing needs you.",
        VOLUME,
        None,
    )
