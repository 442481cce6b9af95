"""The escalation bands, the systemic rule and what makes the CX tile escalate, at their boundaries."""

from __future__ import annotations

import pytest

from hotdash.tiles.playbook import cx
from hotdash.tiles.schemas import Status


@pytest.mark.parametrize(
    ("per_day", "status", "action"),
    [
        (0, Status.ok, cx.NORMAL_ACTION),
        (20, Status.ok, cx.NORMAL_ACTION),
        (21, Status.watch, cx.ELEVATED_ACTION),
        (29, Status.watch, cx.ELEVATED_ACTION),
        (30, Status.warning, "Redistribute work, bring in backup"),
        (50, Status.warning, "Redistribute work, bring in backup"),
        (51, Status.critical, cx.CRITICAL_ACTION),
    ],
)
def test_escalation_bands(per_day: int, status: Status, action: str) -> None:
    band = cx.escalation_band(per_day, 20, 30, 50)
    assert (band.status, band.action) == (status, action)


def test_the_same_issue_three_times_is_systemic_where_it_normally_never_happens() -> None:
    assert cx.is_systemic(3, expected=0.0, minimum=3)
    assert not cx.is_systemic(2, expected=0.0, minimum=3)


def test_a_busy_stores_everyday_volume_is_not_a_pattern() -> None:
    # 33 "where is my order" tickets every two days is normal here; 43 is within chance, 60 is not.
    assert not cx.is_systemic(43, expected=33.0, minimum=3)
    assert cx.is_systemic(60, expected=33.0, minimum=3)
    assert not cx.is_systemic(2, expected=0.1, minimum=3)  # still needs the guide's three


def test_wismo_clusters_go_to_the_carrier_or_the_warehouse() -> None:
    assert cx.owner_for("wismo", "FedEx") == "the shipping partner (FedEx)"
    assert cx.owner_for("wismo", None).startswith("the warehouse")
    assert cx.owner_for("wrong_item") == "the product data owner"
    assert cx.owner_for("unheard_of") == "the responsible team"


def test_quiet_day_is_business_as_usual() -> None:
    verdict = cx.assess(cx.CxSignals(escalations_24h=12, resolved_within_pct=95), 20, 30, 50)
    assert verdict.status is Status.ok
    assert verdict.action == cx.NORMAL_ACTION
    assert verdict.reason.startswith("12 escalations in the last 24 hours")


def test_a_legal_threat_makes_a_quiet_day_a_warning_and_comes_first() -> None:
    verdict = cx.assess(cx.CxSignals(escalations_24h=3, legal=1, refunds_approval=2), 20, 30, 50)
    assert verdict.status is Status.warning
    assert verdict.action == cx.LEGAL_ACTION
    assert verdict.exception_key == "legal"
    assert "1 legal threat" in verdict.reason
    assert "2 refund requests awaiting approval" in verdict.reason


def test_regulatory_and_systemic_also_make_it_a_warning() -> None:
    assert cx.assess(cx.CxSignals(escalations_24h=3, regulatory=1), 20, 30, 50).status is Status.warning
    systemic = cx.assess(cx.CxSignals(escalations_24h=3, systemic=1), 20, 30, 50)
    assert (systemic.status, systemic.exception_key) == (Status.warning, "systemic")


def test_critical_volume_outranks_a_systemic_issue_but_not_a_legal_threat() -> None:
    assert cx.assess(cx.CxSignals(escalations_24h=80, systemic=2), 20, 30, 50).action == cx.CRITICAL_ACTION
    both = cx.assess(cx.CxSignals(escalations_24h=80, legal=1), 20, 30, 50)
    assert (both.status, both.action) == (Status.critical, cx.LEGAL_ACTION)


@pytest.mark.parametrize(
    "signal",
    ["high_value", "refunds_personal", "refunds_approval", "vip", "first_response_breaches", "at_risk"],
)
def test_escalations_that_need_the_manager_put_the_tile_on_watch(signal: str) -> None:
    verdict = cx.assess(cx.CxSignals(escalations_24h=5, **{signal: 1}), 20, 30, 50)
    assert verdict.status is Status.watch
    assert verdict.action != cx.NORMAL_ACTION


def test_resolution_below_the_90_percent_goal_is_watched() -> None:
    below = cx.assess(cx.CxSignals(escalations_24h=5, resolved_within_pct=89.9), 20, 30, 50)
    at = cx.assess(cx.CxSignals(escalations_24h=5, resolved_within_pct=90.0), 20, 30, 50)
    assert (below.status, at.status) == (Status.watch, Status.ok)
    assert "89.9% resolved within target (goal 90%)" in below.reason
