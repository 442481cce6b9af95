"""The Fulfillment Health decision rules on their own: delayed-order bands, age buckets, concentration."""

from __future__ import annotations

import pytest

from hotdash.tiles.playbook.fulfillment import age_buckets, band_reason, bucket_of, delay_band, holds_most
from hotdash.tiles.schemas import Status


@pytest.mark.parametrize(
    ("delayed", "expected"),
    [
        (0, Status.ok),
        (1, Status.watch),
        (4, Status.watch),
        (5, Status.warning),
        (15, Status.warning),
        (16, Status.critical),
        (500, Status.critical),
    ],
)
def test_guide_bands_monitor_investigate_critical(delayed: int, expected: Status) -> None:
    assert delay_band(delayed, monitor_min=1, investigate_min=5, critical_above=15).status is expected


def test_band_meanings_follow_the_guide() -> None:
    assert delay_band(16, 1, 5, 15).action.startswith("Immediate warehouse contact")
    assert "warehouse capacity" in delay_band(5, 1, 5, 15).meaning
    assert delay_band(4, 1, 5, 15).meaning == "monitor"


def test_below_a_raised_monitor_line_nothing_is_flagged() -> None:
    assert delay_band(2, monitor_min=3, investigate_min=5, critical_above=15).status is Status.ok
    assert delay_band(3, monitor_min=3, investigate_min=5, critical_above=15).status is Status.watch


def test_no_delays_is_ok_even_if_every_line_is_zero() -> None:
    assert delay_band(0, 0, 0, 0).status is Status.ok


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (1.0, None),
        (24.0, None),
        (24.001, "outreach"),
        (48.0, "outreach"),
        (48.001, "compensation"),
        (72.0, "compensation"),
        (72.001, "refund_offer"),
        (500.0, "refund_offer"),
    ],
)
def test_each_order_falls_in_the_oldest_bucket_it_is_past(hours: float, expected: str | None) -> None:
    bucket = bucket_of(hours, age_buckets(24, 48, 72))
    assert (bucket.key if bucket else None) == expected


def test_bucket_actions_and_severities_escalate() -> None:
    by_key = {b.key: b for b in age_buckets(24, 48, 72)}
    assert "proactive" in by_key["outreach"].action.lower()
    assert "compensation" in by_key["compensation"].action
    assert "refund" in by_key["refund_offer"].action
    assert [by_key[k].severity for k in ("outreach", "compensation", "refund_offer")] == [
        Status.watch,
        Status.warning,
        Status.critical,
    ]


@pytest.mark.parametrize(
    ("group", "total", "expected"),
    [(31, 40, True), (21, 40, True), (20, 40, False), (4, 5, False), (5, 9, True), (0, 0, False)],
)
def test_one_place_holds_most_delays_over_half_and_from_the_minimum(
    group: int, total: int, expected: bool
) -> None:
    assert holds_most(group, total, min_count=5) is expected


def test_band_reason_reads_as_the_guide() -> None:
    assert (
        band_reason(23, delay_band(23, 1, 5, 15), 5, 15)
        == "23 orders are past their promise; over 15 is critical."
    )
    assert band_reason(1, delay_band(1, 1, 5, 15), 5, 15) == (
        "1 order is past its promise; under 5 is normal operations, to monitor."
    )
    assert band_reason(0, delay_band(0, 1, 5, 15), 5, 15) == "No order is past its promise."
