"""The Sales Pulse decision rules on their own: the flat band, the revenue-drop bands, the diagnosis."""

from __future__ import annotations

import dataclasses

import pytest

from hotdash.tiles.playbook.sales import (
    Direction,
    SalesSignals,
    diagnose,
    direction,
    enough_volume,
    revenue_status,
)
from hotdash.tiles.schemas import Status


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, Direction.unknown),
        (0.0, Direction.flat),
        (5.0, Direction.flat),
        (5.01, Direction.up),
        (-5.0, Direction.flat),
        (-5.01, Direction.down),
    ],
)
def test_a_change_of_exactly_the_flat_band_is_flat(change: float | None, expected: Direction) -> None:
    assert direction(change, 5.0) is expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, Status.ok),
        (40.0, Status.ok),
        (-10.0, Status.ok),
        (-10.01, Status.watch),
        (-20.0, Status.watch),
        (-20.01, Status.warning),
        (-35.0, Status.warning),
        (-35.01, Status.critical),
        (-100.0, Status.critical),
    ],
)
def test_revenue_status_rises_only_beyond_each_drop_threshold(change: float | None, expected: Status) -> None:
    assert revenue_status(change, 10, 20, 35) is expected


BASE = SalesSignals(
    revenue_pct=0.0,
    revenue_vs_last_week_pct=0.0,
    orders_pct=0.0,
    aov_pct=0.0,
    sessions_pct=0.0,
    late_orders=0,
    out_of_stock_top_sellers=0,
    flat_pct=5.0,
    capacity_issue_from=5,
)


def signals(**changes: object) -> SalesSignals:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def test_revenue_and_volume_down_is_a_marketing_problem_and_names_the_traffic_drop() -> None:
    verdict = diagnose(
        signals(revenue_pct=-20, revenue_vs_last_week_pct=-18, orders_pct=-19, aov_pct=-1, sessions_pct=-25)
    )
    assert verdict.code == "marketing"
    assert "Revenue down + volume down -> Marketing problem" in verdict.rule
    assert "traffic down" in verdict.cause


def test_volume_down_with_steady_traffic_points_at_conversion() -> None:
    verdict = diagnose(signals(revenue_pct=-20, revenue_vs_last_week_pct=-20, orders_pct=-20, sessions_pct=2))
    assert verdict.code == "marketing"
    assert "conversion" in verdict.cause


def test_revenue_down_with_as_many_orders_but_smaller_is_an_upsell_problem() -> None:
    verdict = diagnose(signals(revenue_pct=-12, revenue_vs_last_week_pct=-12, orders_pct=1, aov_pct=-13))
    assert verdict.code == "upsell"
    assert "Revenue down + AOV down -> Upsell problem" in verdict.rule


def test_a_drop_against_the_baseline_that_matches_last_week_is_the_weekly_pattern() -> None:
    verdict = diagnose(signals(revenue_pct=-22, revenue_vs_last_week_pct=-3, orders_pct=-22))
    assert verdict.code == "weekly_pattern"


def test_small_drops_in_both_volume_and_aov_still_call_for_a_root_cause() -> None:
    verdict = diagnose(signals(revenue_pct=-8, revenue_vs_last_week_pct=-8, orders_pct=-4, aov_pct=-4))
    assert verdict.code == "revenue_drop"


def test_revenue_up_with_top_sellers_out_of_stock_is_procurement_urgency_even_with_delays() -> None:
    verdict = diagnose(signals(revenue_pct=15, out_of_stock_top_sellers=1, late_orders=30))
    assert verdict.code == "procurement"


@pytest.mark.parametrize(("late", "code"), [(4, "growth"), (5, "warehouse_capacity")])
def test_revenue_up_with_delays_from_the_investigate_line_is_a_warehouse_capacity_issue(
    late: int, code: str
) -> None:
    assert diagnose(signals(revenue_pct=15, late_orders=late)).code == code


def test_flat_revenue_with_blockers_prioritizes_the_blockers() -> None:
    assert diagnose(signals(out_of_stock_top_sellers=2)).code == "fulfillment_blockers"
    assert diagnose(signals()).code == "steady"


def test_no_baseline_says_so() -> None:
    assert diagnose(signals(revenue_pct=None)).code == "no_baseline"


@pytest.mark.parametrize(
    ("baseline_orders", "expected"),
    [(None, Status.ok), (0.0, Status.ok), (9.9, Status.ok), (10.0, Status.critical)],
)
def test_a_drop_counts_only_on_a_baseline_with_enough_orders(
    baseline_orders: float | None, expected: Status
) -> None:
    assert revenue_status(-100.0, 10, 20, 35, baseline_orders=baseline_orders, min_orders=10) is expected
    assert enough_volume(baseline_orders, 10) is (expected is Status.critical)
