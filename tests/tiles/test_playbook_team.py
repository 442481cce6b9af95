"""Coaching, recognition, the sales stretch target and the hiring question, at their boundaries."""

from __future__ import annotations

import math

import pytest

from hotdash.tiles.playbook import team
from hotdash.tiles.schemas import Status


def test_performance_is_actual_over_target_or_the_inverse_where_lower_is_better() -> None:
    assert team.performance_pct(4.0, 5.0, lower_is_better=False) == pytest.approx(80.0)
    assert team.performance_pct(3.75, 3.0, lower_is_better=True) == pytest.approx(80.0)  # slower than target
    assert team.performance_pct(1.5, 3.0, lower_is_better=True) == pytest.approx(200.0)
    assert team.performance_pct(0.0, 0.1, lower_is_better=True) == math.inf  # no escalations at all
    assert team.performance_pct(None, 3.0, lower_is_better=True) is None


@pytest.mark.parametrize(
    ("actual", "target", "lower", "coached"),
    [
        (4.0, 5.0, False, False),  # CSAT 4.0 of 5.0: exactly 80%, not under it
        (3.995, 5.0, False, True),  # 79.9%
        (0.792, 0.99, False, False),  # quality 0.792 of 0.99 is 80% despite floating point
        (3.75, 3.0, True, False),  # 3 / 3.75 = 80%
        (3.7547, 3.0, True, True),  # 79.9%
        (0.125, 0.10, True, False),  # escalation rate 12.5% against 10%: 80%
        (0.1252, 0.10, True, True),
    ],
)
def test_coaching_below_80_percent_of_target_not_at_it(
    actual: float, target: float, lower: bool, coached: bool
) -> None:
    assert team.below_line(team.performance_pct(actual, target, lower), 80) is coached


def test_operators_with_too_few_tickets_are_shown_not_judged() -> None:
    slow = {"first_response": 40.0, "quality": 100.0}
    assert team.judge_operator(slow, tickets=9, min_tickets=10, coaching_pct=80) == team.OperatorVerdict(
        False, (), False
    )
    assert team.judge_operator(slow, tickets=10, min_tickets=10, coaching_pct=80).coaching == (
        "first_response",
    )


def test_recognition_needs_every_measured_metric_at_target() -> None:
    best = {"tickets_per_day": 100.0, "first_response": 150.0, "quality": 100.6, "csat": None}
    assert team.judge_operator(best, 50, 10, 80).outstanding
    almost = {**best, "quality": 99.9}
    verdict = team.judge_operator(almost, 50, 10, 80)
    assert not verdict.outstanding
    assert verdict.coaching == ()


def test_a_shortfall_of_the_typical_operator_is_the_teams_not_a_persons() -> None:
    pcts = {
        "tickets_per_day": [10.0, 5.0, 3.0],  # a quiet store: low volume is demand, not people
        "escalation_rate": [60.0, 70.0, 79.9, 140.0],  # median 74.95: everyone escalates more
        "first_response": [100.0, 90.0, 60.0],  # median 90: only the 60 is behind
        "csat": [80.0, 80.0, 20.0],  # median exactly on the line: individuals are judged
        "quality": [],
    }
    assert team.team_wide(pcts, 80) == {"tickets_per_day", "escalation_rate"}


@pytest.mark.parametrize(
    ("daily", "growth", "tickets", "verdict"),
    [
        ([35] * 14, 12.0, 45.0, "yes"),  # all three conditions
        ([20] * 11 + [60, 80, 70], 12.0, 45.0, "temporary"),  # a three-day spike
        ([35] * 14, -3.0, 45.0, "partial"),  # sustained and busy, revenue not growing: temp first
        ([20] * 14, 12.0, 20.0, "partial"),  # only revenue growing
        ([20] * 14, -1.0, 20.0, "no"),
        ([31] * 7 + [30] * 7, 5.0, 45.0, "yes"),  # the typical (median) day, 30.5, is above 30
        ([30] * 7 + [29] * 7, 5.0, 45.0, "partial"),  # 29.5 is not: growth and capacity alone
    ],
)
def test_the_hiring_question(daily: list[int], growth: float, tickets: float, verdict: str) -> None:
    assert team.hire_decision(daily, 30, growth, tickets, 40).verdict == verdict


def test_the_hiring_conditions_are_shown() -> None:
    answer = team.hire_decision([20] * 11 + [60, 80, 70], 30, 12.0, 45.0, 40)
    assert (
        answer.escalations_sustained,
        answer.revenue_growing,
        answer.at_capacity,
        answer.recent_spike,
    ) == (
        False,
        True,
        True,
        True,
    )
    assert answer.action.startswith("No: a temporary spike")
    boundary = team.hire_decision([30] * 14, 30, 0.0, 40.0, 40)  # exactly on every line
    assert (boundary.escalations_sustained, boundary.revenue_growing, boundary.at_capacity) == (
        False,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("pct", "verdict"),
    [(79.9, "coaching"), (80.0, None), (109.9, None), (110.0, "outstanding"), (None, None)],
)
def test_sales_reps_against_the_110_percent_stretch(pct: float | None, verdict: str | None) -> None:
    assert team.sales_verdict(pct, 80) == verdict


def test_team_status() -> None:
    assert team.team_status(coached=0, judged=8, sales_coached=0, hire="no") is Status.ok
    assert team.team_status(coached=1, judged=8, sales_coached=0, hire="no") is Status.watch
    assert team.team_status(coached=0, judged=8, sales_coached=1, hire="temporary") is Status.watch
    assert team.team_status(coached=4, judged=8, sales_coached=0, hire="no") is Status.warning
    assert team.team_status(coached=0, judged=8, sales_coached=0, hire="yes") is Status.warning
