"""The Today page's ranking: the top priorities across all tiles, most severe and costly first."""

from __future__ import annotations

from decimal import Decimal

from hotdash.tiles.schemas import Priority, Status, TileResult

TOP = 3


def _rank(priority: Priority) -> tuple[int, Decimal]:
    return (priority.severity.rank, priority.money_at_stake or Decimal("0"))


def top_priorities(tiles: list[TileResult], limit: int = TOP) -> list[Priority]:
    """Return the `limit` most pressing things to act on today.

    Each tile offers its worst exception (or, when it has none but is not ok, its recommendation). The best
    of those come first, one per tile, because three exceptions of one tile usually share a cause and the
    manager should see the other fires too; only if fewer tiles need attention do second exceptions follow.
    """
    firsts: list[Priority] = []
    rest: list[Priority] = []
    for tile in tiles:
        candidates = [
            Priority(
                tile=tile.name,
                tile_title=tile.title,
                severity=e.severity,
                title=e.title,
                action=e.action or tile.recommendation.action,
                money_at_stake=e.money_at_stake,
                exception_key=e.key,
            )
            for e in tile.exceptions
            if e.severity is not Status.ok
        ]
        if not candidates and tile.status is not Status.ok:
            candidates = [
                Priority(
                    tile=tile.name,
                    tile_title=tile.title,
                    severity=tile.status,
                    title=tile.status_reason,
                    action=tile.recommendation.action,
                    money_at_stake=tile.recommendation.money_at_stake,
                    exception_key=None,
                )
            ]
        candidates.sort(key=_rank, reverse=True)
        firsts.extend(candidates[:1])
        rest.extend(candidates[1:])
    firsts.sort(key=_rank, reverse=True)
    rest.sort(key=_rank, reverse=True)
    return (firsts + rest)[:limit]
