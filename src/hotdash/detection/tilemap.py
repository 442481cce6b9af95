"""Which dashboard tile a rule's detections belong to: the one place that says so.

A rule may name its tile (`tile:`); otherwise its entity decides. The same mapping is used as a SQL
expression (to filter and count detections by tile in the database) and in Python (to show a rule's tile).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from hotdash.detection.models import Detection, Rule

# Entity -> tile name (the names in the dashboard's URLs). Orders and parcels are fulfilment; money back is
# revenue (Sales Pulse); stock and what it is made of is the inventory heatmap.
TILE_OF_ENTITY: dict[str, str] = {
    "orders": "fulfillment",
    "shipments": "fulfillment",
    "locations": "fulfillment",
    "tickets": "cx",
    "customers": "cx",
    "skus": "inventory",
    "inventory_levels": "inventory",
    "products": "inventory",
    "suppliers": "inventory",
    "page_traffic": "seo",
    "team_members": "team",
    "refunds": "sales",
}

TILE_NAMES = ("sales", "cx", "fulfillment", "inventory", "seo", "team")


def tile_of(*, tile: str | None, entity: str) -> str | None:
    """Return the tile of a rule with this explicit tile (or none) and entity."""
    return tile or TILE_OF_ENTITY.get(entity)


def tile_column() -> ColumnElement[str | None]:
    """Return the rule's tile as a SQL expression over `rules` (its own tile, else its entity's)."""
    by_entity = case(TILE_OF_ENTITY, value=Rule.entity, else_=None)
    return func.coalesce(Rule.tile, by_entity)


def open_counts_by_tile(*, session: Session) -> dict[str, int]:
    """Return tile name -> number of open detections (snoozed and muted ones are out of the inbox)."""
    tile = tile_column()
    rows = session.execute(
        select(tile, func.count())
        .select_from(Detection)
        .join(Rule, Rule.id == Detection.rule_id)
        .where(Detection.status == "open")
        .group_by(tile)
    ).all()
    return {str(name): int(n) for name, n in rows if name is not None}
