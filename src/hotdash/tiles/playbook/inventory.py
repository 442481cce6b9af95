"""Inventory Heatmap: the guide's stockout matrix (seller tier x days of cover), reorder quantities and the
expedite calculator, as pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Re-exported: the tiles name the tiers through their playbook; the definition is the store's.
from hotdash.store.sellers import Tier as Tier
from hotdash.tiles.schemas import Status

MATRIX = "Strategic Inventory Planning: Stockout Risk Assessment (Manager Decision Matrix)"
EXPEDITE = "Strategic Decision-Making: Should we expedite supplier shipment (pay $500 extra)?"

ACTIONS = {
    "P0": "Expedite supplier shipment (pay extra fees), prep pre-sell campaign",
    "P1": "Contact supplier for standard rush, update product page",
    "P2": "Standard reorder, monitor",
    "P3": "Reorder on normal schedule",
}
SEVERITY = {"P0": Status.critical, "P1": Status.warning, "P2": Status.watch, "P3": Status.ok}
# Columns of the heatmap, in days of cover: [low, high).
BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("<3 d", 0.0, 3.0),
    ("3-7 d", 3.0, 7.0),
    ("7-14 d", 7.0, 14.0),
    ("14-30 d", 14.0, 30.0),
    ("30+ d", 30.0, math.inf),
)


def bucket(cover_days: float) -> int:
    """Return the heatmap column of a days-of-cover value (no demand = infinite cover = the last one)."""
    return next((i for i, (_, _low, high) in enumerate(BUCKETS) if cover_days < high), len(BUCKETS) - 1)


def reorder_quantity(
    rate: float, lead_days: float, target_cover_days: float, available: int, incoming: int
) -> int:
    """Return units to order now: demand over the supplier's lead time plus the target cover, less what is
    on the shelf and on its way; whole units, rounded up, never negative."""
    need = rate * (lead_days + target_cover_days) - available - incoming
    return max(0, math.ceil(round(need, 9)))


@dataclass(frozen=True)
class Expedite:
    """The expedite calculator's answer for one SKU."""

    days_without: float
    days_with: float
    revenue_saved: Decimal
    rush_fee: Decimal | None
    worth_it: bool

    def verdict(self, money: str, fee: str) -> str:
        """Return the guide's one-liner, e.g. 'Pay $500 to save $9,000 -> YES'."""
        if self.rush_fee is None:
            return f"Rushing saves {money}; ask the supplier for a rush fee"
        return f"Pay {fee} to save {money} -> {'YES' if self.worth_it else 'not worth it'}"


def expedite(
    *,
    rate: float,
    unit_price: Decimal,
    cover_days: float,
    lead_days: float,
    eta_days: float | None,
    rush_lead_days: float,
    rush_fee: Decimal | None,
) -> Expedite:
    """Compare the revenue a rushed shipment saves with its fee.

    Without rushing, stock returns with the next delivery: the open purchase order if it comes sooner than
    a new order would (eta_days), else after the supplier's lead time. Rushing brings stock in
    rush_lead_days, never later than that delivery. The days out of stock in between, times the daily
    demand and the unit price, are the revenue rushing saves.
    """
    restock = lead_days if eta_days is None else min(lead_days, eta_days)
    without = max(0.0, restock - cover_days)
    with_rush = max(0.0, min(rush_lead_days, restock) - cover_days)
    saved = (Decimal(str(without - with_rush)) * Decimal(str(rate)) * unit_price).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    worth = rush_fee is not None and saved > rush_fee
    return Expedite(without, with_rush, saved, rush_fee, worth)


def assess(counts: dict[str, int]) -> tuple[Status, str]:
    """Return the tile's status and the priority driving it: any P0 critical, P1 warning, P2 watch."""
    for level, status in (("P0", Status.critical), ("P1", Status.warning), ("P2", Status.watch)):
        if counts.get(level):
            return status, level
    return Status.ok, "P3" if counts.get("P3") else ""
