"""The six tiles, in the order of the manager's morning check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hotdash.tiles import cx, fulfillment, inventory, sales, seo, team
from hotdash.tiles.context import TileContext
from hotdash.tiles.schemas import TileResult


@dataclass(frozen=True)
class TileSpec:
    """A tile's name (as in URLs), title and computation."""

    name: str
    title: str
    compute: Callable[[TileContext], TileResult]


TILES: dict[str, TileSpec] = {
    spec.name: spec
    for spec in (
        TileSpec("sales", "Sales Pulse", sales.compute),
        TileSpec("cx", "CX Escalations", cx.compute),
        TileSpec("fulfillment", "Fulfillment Health", fulfillment.compute),
        TileSpec("inventory", "Inventory Heatmap", inventory.compute),
        TileSpec("seo", "SEO Content", seo.compute),
        TileSpec("team", "Team Performance", team.compute),
    )
}
