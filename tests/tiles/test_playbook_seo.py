"""The SEO Content decision rules on their own: which drops are flagged, and the traffic x sales quadrant."""

from __future__ import annotations

import pytest

from hotdash.tiles.playbook.seo import Direction, drop_pct, is_dropped, quadrant
from hotdash.tiles.schemas import Status


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (100, 80, False),  # exactly 20%
        (100, 79, True),
        (1000, 800, False),
        (1000, 799, True),  # 20.1%
        (1000, 1500, False),
        (49, 0, False),  # too little traffic the week before to judge
        (50, 39, True),  # judged from exactly the minimum
    ],
)
def test_a_drop_is_flagged_only_beyond_the_threshold_and_from_the_minimum(
    before: int, after: int, expected: bool
) -> None:
    assert is_dropped(before, after, min_sessions=50, drop_threshold_pct=20) is expected


def test_a_fractional_threshold_is_compared_exactly() -> None:
    assert not is_dropped(1000, 799, min_sessions=0, drop_threshold_pct=20.1)
    assert is_dropped(1000, 798, min_sessions=0, drop_threshold_pct=20.1)


def test_drop_pct() -> None:
    assert drop_pct(200, 150) == 25.0
    assert drop_pct(0, 10) is None


@pytest.mark.parametrize(
    ("traffic", "sales", "meaning", "severity"),
    [
        (12, 15, "Marketing working", Status.ok),  # guide: scale it
        (12, 2, "Conversion problem", Status.watch),  # guide: optimize funnel
        (3, 15, "Great conversion", Status.ok),  # guide: need more traffic
        (-12, -15, "Marketing problem", Status.warning),  # guide: urgent attention
        (12, -15, "Conversion problem", Status.watch),
        (0, -15, "Conversion problem", Status.watch),
        (0, 0, "Steady", Status.ok),
        (-12, 15, "Great conversion", Status.watch),
        (-12, 0, "Traffic falling", Status.watch),
    ],
)
def test_quadrant(traffic: float, sales: float, meaning: str, severity: Status) -> None:
    verdict = quadrant(traffic, sales, flat_pct=5)
    assert (verdict.meaning, verdict.severity) == (meaning, severity)


def test_quadrant_flat_band_edges_and_missing_history() -> None:
    assert quadrant(5.0, 5.01, 5).traffic is Direction.flat
    assert quadrant(5.0, 5.01, 5).sales is Direction.up
    assert quadrant(None, 10, 5).meaning == "Not enough history"
