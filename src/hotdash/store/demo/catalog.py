"""The store's fixed cast: the store, suppliers, locations, products and SKUs, team and business calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hotdash.store.demo import names
from hotdash.store.demo.dataset import SOURCE, DemoData
from hotdash.store.demo.timeline import DayGrid, promotions, utc

STORE_ID = 1
SUPPORT_HOURS = {
    1: (time(8), time(20)),
    2: (time(8), time(20)),
    3: (time(8), time(20)),
    4: (time(8), time(20)),
    5: (time(8), time(20)),
    6: (time(10), time(16)),
    7: (time(10), time(16)),
}


@dataclass
class Catalog:
    """What later stages need to know about the catalog, as arrays indexed by SKU id - 1."""

    sku_weight: NDArray[np.float64]  # probability a line picks this SKU
    sku_price_cents: NDArray[np.int64]
    sku_title: list[str]
    sku_code: list[str]
    sku_product: NDArray[np.int64]  # product index (id - 1)
    sku_supplier: NDArray[np.int64]  # supplier index (id - 1)
    product_handles: list[str]
    product_types: list[str]
    location_share: NDArray[np.float64]
    operator_ids: list[int]
    operators: list[names.OperatorProfile]  # their profiles, as in names


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def build_catalog(
    data: DemoData, rng: np.random.Generator, grid: DayGrid, n_products: int, n_operators: int
) -> Catalog:
    """Add the store, suppliers, locations, products, SKUs, team and calendar to `data`."""
    opened = utc(int(grid.starts[0])) - timedelta(days=400)
    data.add_rows(
        "stores",
        [
            {
                "id": STORE_ID,
                "source": SOURCE,
                "external_id": "store-1",
                "name": names.STORE_NAME,
                "domain": names.STORE_DOMAIN,
                "currency": names.STORE_CURRENCY,
                "timezone": names.STORE_TIMEZONE,
                "country": names.STORE_COUNTRY,
                "subdivision": None,
                "created_at": opened,
            }
        ],
    )
    data.add_rows(
        "suppliers",
        [
            {
                "id": i + 1,
                "source": SOURCE,
                "external_id": f"supplier-{i + 1}",
                "name": name,
                "contact_email": f"orders@{name.split()[0].lower()}.example",
                "lead_time_days": lead,
                "on_time_rate": Decimal(str(rate)),
                "rush_fee": _money(fee),
            }
            for i, (name, lead, rate, fee) in enumerate(names.SUPPLIERS)
        ],
    )
    data.add_rows(
        "locations",
        [
            {
                "id": i + 1,
                "source": SOURCE,
                "external_id": f"location-{i + 1}",
                "store_id": STORE_ID,
                "name": name,
                "kind": kind,
                "country": "US",
                "region": region,
                "timezone": tz,
                "is_active": True,
            }
            for i, (name, kind, region, tz, _share) in enumerate(names.LOCATIONS)
        ],
    )
    catalog = _products_and_skus(data, rng, n_products, opened)
    catalog.operators = names.support_team(n_operators)
    catalog.operator_ids = _team(data, opened, catalog.operators)
    _calendar(data, grid)
    return catalog


def _products_and_skus(data: DemoData, rng: np.random.Generator, n_products: int, opened: Any) -> Catalog:
    types = list(names.PRODUCT_TYPES)
    combos = [
        (prefix, kind, base)
        for prefix in names.PRODUCT_PREFIXES
        for kind in types
        for base in names.PRODUCT_TYPES[kind][0]
    ]
    picked = [combos[i] for i in rng.permutation(len(combos))[:n_products]]
    products: list[dict[str, Any]] = []
    skus: list[dict[str, Any]] = []
    sku_price: list[int] = []
    sku_product: list[int] = []
    sku_supplier: list[int] = []
    n_suppliers = len(names.SUPPLIERS)
    for p_index, (prefix, kind, base) in enumerate(picked):
        title = f"{prefix} {base}"
        handle = title.lower().replace(" ", "-")
        variants, median = names.PRODUCT_TYPES[kind][1], names.PRODUCT_TYPES[kind][2]
        price = float(np.clip(rng.lognormal(np.log(median), 0.35), 9, 650))
        created = opened + timedelta(days=int(rng.integers(0, 300)))
        products.append(
            {
                "id": p_index + 1,
                "source": SOURCE,
                "external_id": f"product-{p_index + 1}",
                "store_id": STORE_ID,
                "title": title,
                "handle": handle,
                "product_type": kind,
                "vendor": names.STORE_NAME,
                "tags": ", ".join([kind.lower(), prefix.lower()]),
                "status": "active",
                "created_at": created,
                "updated_at": created,
            }
        )
        supplier = int(rng.integers(0, n_suppliers)) + 1
        for v_index, variant in enumerate(variants):
            sku_id = len(skus) + 1
            cents = round(price * (1 + 0.04 * v_index if len(variants) > 3 else 1) * 100) - 1  # x.99 pricing
            code = f"{kind[:3].upper()}-{p_index + 1:04d}-{variant[:3].upper()}"
            skus.append(
                {
                    "id": sku_id,
                    "source": SOURCE,
                    "external_id": f"variant-{sku_id}",
                    "product_id": p_index + 1,
                    "supplier_id": supplier,
                    "sku": code,
                    "title": f"{title} - {variant}",
                    "price": Decimal(cents) / 100,
                    "unit_cost": _money(cents / 100 * rng.uniform(0.32, 0.55)),
                    "tags": "",
                    "is_active": True,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            sku_price.append(cents)
            sku_product.append(p_index)
            sku_supplier.append(supplier - 1)
    data.add_rows("products", products)
    data.add_rows("skus", skus)
    # Demand follows a power law over SKUs, as in real catalogs: a few heroes carry most of the revenue.
    rank = rng.permutation(len(skus))
    weight = 1.0 / np.power(rank + 1.0, 1.1)
    return Catalog(
        sku_weight=weight / weight.sum(),
        sku_price_cents=np.array(sku_price, dtype=np.int64),
        sku_title=[s["title"] for s in skus],
        sku_code=[s["sku"] for s in skus],
        sku_product=np.array(sku_product, dtype=np.int64),
        sku_supplier=np.array(sku_supplier, dtype=np.int64),
        product_handles=[p["handle"] for p in products],
        product_types=[p["product_type"] for p in products],
        location_share=np.array([loc[4] for loc in names.LOCATIONS]),
        operator_ids=[],
        operators=[],
    )


def _member(member_id: int, name: str, role: str, team: str, opened: Any, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": member_id,
        "source": SOURCE,
        "external_id": f"member-{member_id}",
        "store_id": STORE_ID,
        "name": name,
        "email": name.lower().replace(" ", ".") + "@" + names.STORE_DOMAIN,
        "role": role,
        "team": team,
        "is_active": True,
        "hired_on": (opened + timedelta(days=member_id * 17)).date(),
        "timezone": names.STORE_TIMEZONE,
        "work_start": time(8),
        "work_end": time(17),
        "work_days": "12345",
        "target_first_response_minutes": None,
        "target_quality": None,
        "target_csat": None,
        "target_escalation_rate": None,
        "target_tickets_per_day": None,
        "target_revenue_monthly": None,
        "created_at": opened,
    }
    row.update(extra)
    return row


def _team(data: DemoData, opened: Any, operators: list[names.OperatorProfile]) -> list[int]:
    """Add the team: the guide's targets are every support operator's personal targets."""
    members: list[dict[str, Any]] = []
    for name, *_ in operators:
        members.append(
            _member(
                len(members) + 1,
                name,
                "support",
                "Customer Support",
                opened,
                target_first_response_minutes=Decimal("3"),
                target_quality=Decimal("0.99"),
                target_csat=Decimal("4.8"),
                target_escalation_rate=Decimal("0.10"),
                target_tickets_per_day=40,
                # Weekend cover rotates: the last two operators work Wednesday to Sunday.
                work_days="34567" if len(members) >= 6 else "12345",
            )
        )
    operator_ids = [m["id"] for m in members]
    for name, _ in names.SALES_REPS:
        members.append(
            _member(len(members) + 1, name, "sales", "Sales", opened, target_revenue_monthly=Decimal("60000"))
        )
    for loc_name, *_ in names.LOCATIONS:
        members.append(_member(len(members) + 1, f"{loc_name} Lead", "warehouse", "Fulfillment", opened))
    members.append(
        _member(
            len(members) + 1,
            names.MANAGER,
            "manager",
            "Operations",
            opened,
            work_start=time(8, 30),
            work_end=time(18),
        )
    )
    data.add_rows("team_members", members)
    return operator_ids


def _calendar(data: DemoData, grid: DayGrid) -> None:
    """Add support hours, promotions and peaks; the store's country gives its holidays."""
    data.add_rows(
        "business_hours",
        [
            {"id": weekday, "store_id": STORE_ID, "weekday": weekday, "opens": opens, "closes": closes}
            for weekday, (opens, closes) in SUPPORT_HOURS.items()
        ],
    )
    events: list[dict[str, Any]] = []
    for year in range(grid.dates[0].year, grid.dates[-1].year + 2):
        for kind, name, first, last in promotions(year):
            events.append({"kind": kind, "name": name, "starts_on": first, "ends_on": last})
    for i, event in enumerate(sorted(events, key=lambda e: (e["starts_on"], e["name"]))):
        event.update(
            {
                "id": i + 1,
                "source": SOURCE,
                "store_id": STORE_ID,
                "external_id": f"{event['kind']}:{event['starts_on'].isoformat()}:{event['name']}",
            }
        )
        data.rows.setdefault("calendar_events", []).append(event)
    data.order.append("calendar_events")
