"""The Today ranking: severity first, money at stake next, the worst of each tile before second helpings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hotdash.tiles.schemas import Recommendation, Status, TileException, TileResult
from hotdash.tiles.today import top_priorities


def _tile(name: str, status: Status, exceptions: list[tuple[Status, str, str | None]]) -> TileResult:
    return TileResult(
        name=name,
        title=name.title(),
        status=status,
        status_reason=f"{name} is {status.value}",
        window="today",
        window_label="Today",
        computed_at=datetime(2026, 11, 22, tzinfo=UTC),
        currency="USD",
        figures=[],
        exceptions=[
            TileException(
                key=f"{name}-{i}",
                title=title,
                detail="",
                severity=severity,
                money_at_stake=Decimal(money) if money else None,
                action=f"fix {title}",
            )
            for i, (severity, title, money) in enumerate(exceptions)
        ],
        recommendation=Recommendation(action=f"act on {name}", why="", playbook="guide"),
    )


def test_critical_beats_warning_whatever_the_money() -> None:
    tiles = [
        _tile("sales", Status.warning, [(Status.warning, "revenue down", "90000")]),
        _tile("fulfillment", Status.critical, [(Status.critical, "23 late orders", "4000")]),
        _tile("cx", Status.watch, [(Status.watch, "slow replies", None)]),
        _tile("seo", Status.ok, []),
    ]
    assert [p.title for p in top_priorities(tiles)] == ["23 late orders", "revenue down", "slow replies"]


def test_money_breaks_ties_within_a_severity() -> None:
    tiles = [
        _tile("cx", Status.critical, [(Status.critical, "legal threat", "600")]),
        _tile("inventory", Status.critical, [(Status.critical, "P0 stockout", "9000")]),
    ]
    assert [p.title for p in top_priorities(tiles)] == ["P0 stockout", "legal threat"]


def test_one_per_tile_first_then_the_next_worst() -> None:
    tiles = [
        _tile(
            "fulfillment",
            Status.critical,
            [(Status.critical, "a", "100"), (Status.critical, "b", "90"), (Status.warning, "c", "80")],
        ),
        _tile("cx", Status.warning, [(Status.warning, "d", "10")]),
    ]
    assert [p.title for p in top_priorities(tiles)] == ["a", "d", "b"]


def test_a_tile_without_exceptions_but_not_ok_offers_its_recommendation() -> None:
    tiles = [_tile("team", Status.warning, []), _tile("seo", Status.ok, [])]
    priorities = top_priorities(tiles)
    assert len(priorities) == 1
    assert priorities[0].action == "act on team"
    assert priorities[0].exception_key is None


def test_an_ok_dashboard_has_no_priorities() -> None:
    assert top_priorities([_tile("sales", Status.ok, [(Status.ok, "fine", None)])]) == []
