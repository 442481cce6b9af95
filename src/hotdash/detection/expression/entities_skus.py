"""The `skus` entity of the rule catalogue: stock, recent demand, and the Inventory tile's tiers and matrix.

`daily_demand` and `days_of_cover` are plain 28-day means over UTC days, simple to reason about in a rule;
`seller_tier` and `stockout_priority` are the tile's own answer (`hotdash.store.sellers`), worked out per
store when the rule runs and bound as parameters, so a stockout rule and the tile name the same SKUs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, bindparam, case, func, literal, null, select

from hotdash.detection.expression.fields import (
    Entity,
    Field,
    Relation,
    Scope,
    as_value,
    column,
    derived,
    ratio,
)
from hotdash.detection.expression.types import FieldType as T
from hotdash.store.entities import SKU
from hotdash.store.models import InventoryLevel, Location, Product, SkuSalesDaily
from hotdash.store.sellers import PRIORITIES, Assessment, Tier

DEMAND_DAYS = 28  # the look-back of skus.units_28d, daily_demand and days_of_cover


def _fields(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}


def _stock(attribute: str) -> Any:
    def build(scope: Scope) -> ColumnElement[Any]:
        held = (
            select(func.coalesce(func.sum(getattr(InventoryLevel, attribute)), 0))
            .join(Location, Location.id == InventoryLevel.location_id)
            .where(InventoryLevel.sku_id == scope.table.id, Location.is_active)
        )
        return as_value(held.scalar_subquery(), T.number)

    return build


def _units_28d(scope: Scope) -> ColumnElement[Any]:
    sold = select(func.coalesce(func.sum(SkuSalesDaily.units), 0)).where(
        SkuSalesDaily.sku_id == scope.table.id,
        SkuSalesDaily.day >= scope.since_28d,
        SkuSalesDaily.day < scope.today,
    )
    return as_value(sold.scalar_subquery(), T.number)


def _assessed(scope: Scope, choose: Callable[[Assessment], list[int]]) -> ColumnElement[bool]:
    """`id IN (...)`, the ids bound when the rule runs, from the store's stockout assessment."""
    run = scope.store_run
    ids = bindparam(None, callable_=lambda: choose(run.assessment()), expanding=True, type_=Integer())
    condition: ColumnElement[bool] = scope.table.id.in_(ids)
    return condition


def _in_tier(tier: Tier) -> Callable[[Assessment], list[int]]:
    return lambda assessed: assessed.ids_of(tier)


def _at_level(level: str) -> Callable[[Assessment], list[int]]:
    return lambda assessed: assessed.ids_at(level)


def _seller_tier(scope: Scope) -> ColumnElement[Any]:
    return case(*[(_assessed(scope, _in_tier(t)), literal(t.value)) for t in Tier], else_=null())


def _stockout_priority(scope: Scope) -> ColumnElement[Any]:
    return case(*[(_assessed(scope, _at_level(p)), literal(p)) for p in PRIORITIES], else_=null())


TIER_TUNABLES = ("inventory.top_seller_pct", "inventory.mid_seller_pct", "inventory.demand_days")


def _daily_demand(scope: Scope) -> ColumnElement[Any]:
    return _units_28d(scope) / literal(float(DEMAND_DAYS), Float)


SKUS = Entity(
    SKU,
    "Sellable, stockable variants of products.",
    _fields(
        column("sku", T.text, "The merchant's SKU code."),
        column("title", T.text, "The variant's title."),
        column("price", T.money, "List price."),
        column("unit_cost", T.money, "What one unit costs us, if known."),
        column("tags", T.text, "Comma-separated tags."),
        column("is_active", T.bool, "Still sold."),
        column("created_at", T.timestamp, "When it was created."),
        column("updated_at", T.timestamp, "Last change in the source system."),
        derived(
            "available",
            T.number,
            "Units available (on hand less committed) over active locations.",
            _stock("available"),
        ),
        derived("on_hand", T.number, "Units on hand over active locations.", _stock("on_hand")),
        derived(
            "incoming", T.number, "Units on open purchase orders over active locations.", _stock("incoming")
        ),
        derived(
            "units_28d",
            T.number,
            f"Units sold on the {DEMAND_DAYS} whole UTC days before today (from the daily sales rollup).",
            _units_28d,
        ),
        derived("daily_demand", T.number, f"units_28d / {DEMAND_DAYS}: units sold per day.", _daily_demand),
        derived(
            "days_of_cover",
            T.number,
            "available / daily_demand: days the stock lasts at the recent pace; NULL without sales. A plain "
            "28-day mean, simpler than the Inventory tile's recency-weighted rate.",
            lambda s: ratio(_stock("available")(s), _daily_demand(s)),
        ),
        derived(
            "seller_tier",
            T.text,
            "top, mid or low, as the Inventory tile ranks the store's active SKUs by revenue over "
            "tunable('inventory.demand_days'): the top tunable('inventory.top_seller_pct') percent are top "
            "sellers, the next tunable('inventory.mid_seller_pct') mid; NULL for an inactive SKU.",
            _seller_tier,
            TIER_TUNABLES,
        ),
        derived(
            "stockout_priority",
            T.text,
            "P0, P1, P2 or P3 from the guide's matrix, exactly as the Inventory tile shows it (its tiers, "
            "and its cover from the recency-weighted demand rate, against "
            "tunable('inventory.p0_cover_days') and tunable('inventory.p1_cover_days')); NULL when the SKU "
            "is not at risk or not active.",
            _stockout_priority,
            (*TIER_TUNABLES, "inventory.p0_cover_days", "inventory.p1_cover_days"),
        ),
        derived(
            "margin",
            T.money,
            "price - unit_cost; NULL without a cost.",
            lambda s: as_value(s.table.price, T.money) - as_value(s.table.unit_cost, T.money),
        ),
    ),
    {
        "product": Relation("product", "products", "The product it is a variant of.", "product_id"),
        "supplier": Relation("supplier", "suppliers", "Who we reorder it from.", "supplier_id"),
    },
    in_store=lambda t, store_id: t.product_id.in_(select(Product.id).where(Product.store_id == store_id)),
)
