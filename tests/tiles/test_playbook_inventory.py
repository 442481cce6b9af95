"""The stockout matrix, seller tiers, reorder quantities and the expedite calculator at their boundaries."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from hotdash.store.sellers import Tier, priority, tier_of, tier_sizes
from hotdash.tiles.playbook.inventory import BUCKETS, assess, bucket, expedite, reorder_quantity
from hotdash.tiles.schemas import Status


@pytest.mark.parametrize(
    ("tier", "cover", "expected"),
    [
        (Tier.top, 0.0, "P0"),
        (Tier.top, 2.999, "P0"),
        (Tier.top, 3.0, "P1"),  # exactly 3 days is "3-7 days cover": P1, not P0
        (Tier.top, 6.999, "P1"),
        (Tier.top, 7.0, None),
        (Tier.mid, 2.999, "P2"),
        (Tier.mid, 3.0, None),  # mid sellers have no P1
        (Tier.mid, 5.0, None),
        (Tier.low, 2.999, "P3"),
        (Tier.low, 3.0, None),
        (Tier.top, math.inf, None),
    ],
)
def test_the_guide_matrix(tier: Tier, cover: float, expected: str | None) -> None:
    assert priority(tier, cover, 3, 7) == expected


def test_top_sellers_are_the_top_share_of_skus_by_count() -> None:
    assert tier_sizes(10, 20, 30) == (2, 5)  # 20% of 10 is exactly 2; the next 30% are ranks 3 to 5
    assert [tier_of(rank, (2, 5), revenue=100) for rank in range(10)] == (
        [Tier.top] * 2 + [Tier.mid] * 3 + [Tier.low] * 5
    )
    assert tier_sizes(7, 20, 30) == (2, 4)  # 1.4 and 3.5 round up
    assert tier_sizes(3, 20, 30) == (1, 2)  # a tiny catalog still has a top seller
    assert tier_sizes(35, 20, 30) == (7, 18)  # 7.0 stays 7 despite floating point


def test_a_sku_without_revenue_is_never_a_top_seller() -> None:
    assert tier_of(0, tier_sizes(10, 20, 30), revenue=0.0) is Tier.low


def test_reorder_covers_lead_time_and_target_cover_less_stock_and_incoming() -> None:
    # 4/day x (14 lead + 30 cover) = 176 needed; 40 on the shelf, 50 on the way
    assert reorder_quantity(4.0, 14, 30, 40, 50) == 86
    assert reorder_quantity(0.3, 14, 30, 0, 0) == 14  # 13.2 rounds up to whole units
    assert reorder_quantity(4.0, 14, 30, 500, 0) == 0  # never negative
    assert reorder_quantity(0.0, 14, 30, 0, 0) == 0


def test_the_guides_expedite_example() -> None:
    # "Top seller, <2 days cover; selling 10 units/day, $450 revenue each = $4,500/day;
    #  stockout risk = lose $9,000-13,500 (2-3 days out of stock)"; rushing costs $500.
    two_days_out = expedite(
        rate=10,
        unit_price=Decimal("450"),
        cover_days=1.5,
        lead_days=3.5,
        eta_days=None,
        rush_lead_days=1,
        rush_fee=Decimal("500"),
    )
    three_days_out = expedite(
        rate=10,
        unit_price=Decimal("450"),
        cover_days=1.5,
        lead_days=4.5,
        eta_days=None,
        rush_lead_days=1,
        rush_fee=Decimal("500"),
    )
    assert (two_days_out.days_without, two_days_out.days_with) == (2.0, 0.0)
    assert two_days_out.revenue_saved == Decimal("9000.00")
    assert three_days_out.revenue_saved == Decimal("13500.00")
    assert two_days_out.worth_it
    assert three_days_out.worth_it
    assert two_days_out.verdict("$9,000", "$500") == "Pay $500 to save $9,000 -> YES"


def test_rushing_that_cannot_beat_the_cover_is_not_worth_it() -> None:
    slow_rush = expedite(
        rate=10,
        unit_price=Decimal("450"),
        cover_days=1.5,
        lead_days=3.5,
        eta_days=None,
        rush_lead_days=3.4,
        rush_fee=Decimal("500"),
    )
    assert slow_rush.days_with == pytest.approx(1.9)
    assert slow_rush.revenue_saved == Decimal("450.00")  # 0.1 day x 10 x $450
    assert not slow_rush.worth_it
    assert slow_rush.verdict("$450", "$500") == "Pay $500 to save $450 -> not worth it"


def test_an_open_purchase_order_arriving_sooner_shortens_the_gap() -> None:
    po_in_two_days = expedite(
        rate=10,
        unit_price=Decimal("450"),
        cover_days=1.0,
        lead_days=14,
        eta_days=2,
        rush_lead_days=3,
        rush_fee=Decimal("500"),
    )
    assert (po_in_two_days.days_without, po_in_two_days.days_with) == (1.0, 1.0)  # rushing can't beat the PO
    assert po_in_two_days.revenue_saved == Decimal("0.00")
    assert not po_in_two_days.worth_it


def test_no_rush_fee_on_file_asks_the_supplier() -> None:
    unknown = expedite(
        rate=1,
        unit_price=Decimal("10"),
        cover_days=0,
        lead_days=5,
        eta_days=None,
        rush_lead_days=2,
        rush_fee=None,
    )
    assert not unknown.worth_it
    assert "ask the supplier" in unknown.verdict("$30", "$0")


def test_cover_buckets_include_their_lower_edge() -> None:
    assert [bucket(c) for c in (0, 2.99, 3, 6.99, 7, 13.99, 14, 29.99, 30, math.inf)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert len(BUCKETS) == 5


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        ({"P0": 1, "P1": 3, "P2": 1, "P3": 9}, Status.critical),
        ({"P0": 0, "P1": 1, "P2": 5, "P3": 0}, Status.warning),
        ({"P0": 0, "P1": 0, "P2": 1, "P3": 2}, Status.watch),
        ({"P0": 0, "P1": 0, "P2": 0, "P3": 4}, Status.ok),
        ({"P0": 0, "P1": 0, "P2": 0, "P3": 0}, Status.ok),
    ],
)
def test_status_follows_the_worst_priority(counts: dict[str, int], status: Status) -> None:
    assert assess(counts)[0] is status
