"""Refunds and returns, including high-value refund requests waiting for a manager."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hotdash.store.bulk import Column
from hotdash.store.demo import names
from hotdash.store.demo.dataset import SOURCE, Scenarios
from hotdash.store.demo.fulfillment import NAT, Fulfillment
from hotdash.store.demo.orders import Orders
from hotdash.store.demo.timeline import DAY, HOUR, DayGrid, as_datetime64

RETURNED_REASONS = {"damaged", "wrong_item", "not_as_described", "size_exchange", "changed_mind"}
HIGH_VALUE_CENTS = 50_000
APPROVAL_CENTS = 10_000


@dataclass
class Refunds:
    """Refund rows plus what the tickets and order statuses need from them."""

    order: NDArray[np.int64]
    amount: NDArray[np.int64]
    requested: NDArray[np.int64]
    pending: NDArray[np.bool_]
    planted: NDArray[np.bool_]  # the high-value and approval-needing requests of the last days
    columns: dict[str, Column]
    returns: dict[str, Column]


def build_refunds(
    grid: DayGrid, orders: Orders, fulfillment: Fulfillment, rng: np.random.Generator, scenarios: Scenarios
) -> Refunds:
    """Refund a share of delivered orders, and plant recent requests that need approval."""
    now = grid.now_us
    delivered = np.flatnonzero(fulfillment.delivered != NAT)
    chosen = delivered[rng.random(len(delivered)) < 0.045]
    requested = fulfillment.delivered[chosen] + (rng.uniform(1, 20, len(chosen)) * DAY).astype(np.int64)
    keep = requested <= now
    chosen, requested = chosen[keep], requested[keep]
    full = rng.random(len(chosen)) < 0.55
    amount = np.where(
        full, orders.total[chosen], np.round(orders.total[chosen] * rng.uniform(0.2, 0.6, len(chosen)))
    ).astype(np.int64)
    planted_orders, planted_amounts = _planted(now, orders, fulfillment, rng, exclude=chosen)
    scenarios.high_value_refund_orders = [
        f"#{1001 + o}"
        for o, a in zip(planted_orders.tolist(), planted_amounts.tolist(), strict=True)
        if a > HIGH_VALUE_CENTS
    ]
    order = np.concatenate([chosen, planted_orders])
    amount = np.concatenate([amount, planted_amounts])
    requested = np.concatenate(
        [requested, now - (rng.uniform(2, 40, len(planted_orders)) * HOUR).astype(np.int64)]
    )
    planted = np.zeros(len(order), dtype=bool)
    planted[len(chosen) :] = True
    processed = requested + (rng.uniform(1, 4, len(order)) * DAY).astype(np.int64)
    pending = planted | (processed > now)
    reason = rng.choice(np.array(names.REFUND_REASONS), len(order))
    reason[planted] = "damaged"
    ids = np.arange(1, len(order) + 1)
    columns: dict[str, Column] = {
        "id": ids,
        "source": [SOURCE] * len(order),
        "external_id": [f"refund-{i}" for i in ids.tolist()],
        "order_id": order + 1,
        "amount": amount / 100,
        "currency": [names.STORE_CURRENCY] * len(order),
        "reason": reason,
        "note": [None] * len(order),
        "status": np.where(pending, "requested", "processed"),
        "requested_at": as_datetime64(requested),
        "processed_at": as_datetime64(np.where(pending, NAT, processed)),
    }
    returns = _returns(now, order, requested, reason, orders, rng)
    return Refunds(
        order=order,
        amount=amount,
        requested=requested,
        pending=pending,
        planted=planted,
        columns=columns,
        returns=returns,
    )


def _planted(
    now: int, orders: Orders, fulfillment: Fulfillment, rng: np.random.Generator, exclude: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pick recent delivered orders: three above $500 (manager personally) and five above $100 (approval)."""
    recent = (fulfillment.delivered != NAT) & (orders.placed >= now - 45 * DAY)
    recent[exclude] = False
    big = np.flatnonzero(recent & (orders.total > HIGH_VALUE_CENTS))
    if len(big) < 3:  # a tiny store may have none that large: take its largest recent orders
        big = np.argsort(-np.where(recent, orders.total, 0))[:3]
    big = rng.choice(big, 3, replace=False)
    mid_pool = np.flatnonzero(recent & (orders.total > APPROVAL_CENTS) & (orders.total <= HIGH_VALUE_CENTS))
    mid = rng.choice(mid_pool, min(5, len(mid_pool)), replace=False)
    picked = np.concatenate([big, mid]).astype(np.int64)
    return picked, orders.total[picked]


def _returns(
    now: int,
    order: NDArray[np.int64],
    requested: NDArray[np.int64],
    reason: NDArray[np.str_],
    orders: Orders,
    rng: np.random.Generator,
) -> dict[str, Column]:
    returned = np.flatnonzero(np.isin(reason, list(RETURNED_REASONS)))
    first_line = np.searchsorted(orders.line_order, order[returned])
    received = requested[returned] + (rng.uniform(3, 9, len(returned)) * DAY).astype(np.int64)
    arrived = received <= now
    ids = np.arange(1, len(returned) + 1)
    return {
        "id": ids,
        "source": [SOURCE] * len(returned),
        "external_id": [f"return-{i}" for i in ids.tolist()],
        "order_id": order[returned] + 1,
        "order_line_id": first_line + 1,
        "refund_id": returned + 1,
        "quantity": np.ones(len(returned), dtype=np.int64),
        "reason": reason[returned],
        "status": np.where(arrived, "received", "in_transit"),
        "requested_at": as_datetime64(requested[returned]),
        "received_at": as_datetime64(np.where(arrived, received, NAT)),
    }
