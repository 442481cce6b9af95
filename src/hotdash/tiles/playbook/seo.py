"""SEO Content decision rules: which pages lost traffic, and the traffic x sales quadrant."""

from __future__ import annotations

from dataclasses import dataclass

from hotdash.tiles.playbook.sales import Direction, direction
from hotdash.tiles.schemas import Status

PLAYBOOK = "Manager guide: Marketing Effectiveness (SEO Content)"

__all__ = ["PLAYBOOK", "Direction", "Quadrant", "direction", "drop_pct", "is_dropped", "quadrant"]


def drop_pct(before: float, after: float) -> float | None:
    """Return how far `after` fell below `before`, in percent (negative for a rise); None without a before."""
    if before <= 0:
        return None
    return (before - after) / before * 100.0


def is_dropped(before: int, after: int, min_sessions: int, drop_threshold_pct: float) -> bool:
    """Tell whether a page's traffic dropped by more than the threshold, if it had enough to be judged.

    Compared in whole numbers (100 x lost > threshold x before) so a drop of exactly the threshold is never
    flagged by a rounding error.
    """
    if before < min_sessions or before <= 0:
        return False
    return 100 * (before - after) > drop_threshold_pct * before


@dataclass(frozen=True)
class Quadrant:
    """Where traffic and sales went together, what it means and what to do."""

    traffic: Direction
    sales: Direction
    meaning: str
    action: str
    severity: Status


def quadrant(traffic_pct: float | None, sales_pct: float | None, flat_pct: float) -> Quadrant:
    """Place traffic and sales changes in the guide's quadrant; combinations it omits follow the nearest."""
    t, s = direction(traffic_pct, flat_pct), direction(sales_pct, flat_pct)
    if Direction.unknown in (t, s):
        return Quadrant(t, s, "Not enough history", "Wait for two full weeks of traffic.", Status.ok)
    if t is Direction.up and s is Direction.up:
        return Quadrant(
            t, s, "Marketing working", "Scale it: put more budget behind what brings visitors.", Status.ok
        )
    if t is Direction.up:
        return Quadrant(
            t, s, "Conversion problem", "Optimize the funnel: visitors come but do not buy.", Status.watch
        )
    if t is Direction.flat and s is Direction.up:
        return Quadrant(t, s, "Great conversion", "Need more traffic: the pages convert well.", Status.ok)
    if t is Direction.flat and s is Direction.down:
        return Quadrant(
            t, s, "Conversion problem", "Optimize the funnel: as many visitors buy less.", Status.watch
        )
    if t is Direction.flat:
        return Quadrant(t, s, "Steady", "Business as usual.", Status.ok)
    if s is Direction.down:
        return Quadrant(
            t, s, "Marketing problem", "Urgent attention: fewer visitors and fewer sales.", Status.warning
        )
    if s is Direction.up:
        return Quadrant(
            t, s, "Great conversion", "Need more traffic: fewer visitors bought more.", Status.watch
        )
    return Quadrant(t, s, "Traffic falling", "Need more traffic before sales follow it down.", Status.watch)
