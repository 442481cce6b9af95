"""Support tickets: everyday questions, the Friday spike, the WISMO cluster behind the carrier delay, and the
legal, regulatory and high-value escalations that need the manager."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hotdash.kernel.calendar import BusinessCalendar
from hotdash.store.bulk import Column
from hotdash.store.demo import names
from hotdash.store.demo.dataset import SOURCE, Scenarios
from hotdash.store.demo.fulfillment import NAT, Fulfillment
from hotdash.store.demo.orders import Orders
from hotdash.store.demo.refunds import Refunds
from hotdash.store.demo.timeline import DAY, HOUR, DayGrid, as_datetime64

TICKETS_PER_ORDER = 0.1
PRESALES_PER_ORDER = 0.02
FRIDAY_SPIKE = np.array([1.0, 0.95, 0.95, 1.0, 1.45, 0.9, 0.8])  # Monday first
MINUTE = 60 * 1_000_000
# category -> (min, max) delay after the order is placed, in days
CREATED_AFTER = {
    "wismo": (2.0, 6.0),
    "return_request": (4.0, 12.0),
    "damaged": (3.0, 8.0),
    "wrong_item": (3.0, 8.0),
    "product_question": (0.01, 0.5),
    "billing": (0.2, 3.0),
    "cancel_request": (0.01, 0.3),
    "site_error": (0.0, 0.05),
    "other": (0.1, 10.0),
}


def build_tickets(
    grid: DayGrid,
    orders: Orders,
    fulfillment: Fulfillment,
    refunds: Refunds,
    vip: NDArray[np.bool_],
    operator_ids: list[int],
    operators: list[names.OperatorProfile],
    hours: BusinessCalendar,
    rng: np.random.Generator,
    scenarios: Scenarios,
) -> dict[str, Column]:
    """Create the tickets up to now, each with its SLA times, outcome and flags."""
    now = grid.now_us
    categories = list(names.TICKET_CATEGORIES)
    cat_p = np.array([names.TICKET_CATEGORIES[c][0] for c in categories])
    online = np.flatnonzero(orders.channel != "pos")
    base = online[rng.random(len(online)) < TICKETS_PER_ORDER]
    base_cat = rng.choice(len(categories), len(base), p=cat_p / cat_p.sum())
    low = np.array([CREATED_AFTER[c][0] for c in categories])[base_cat]
    high = np.array([CREATED_AFTER[c][1] for c in categories])[base_cat]
    base_created = orders.placed[base] + (rng.uniform(low, high) * DAY).astype(np.int64)

    presales = rng.choice(len(orders.placed), int(len(orders.placed) * PRESALES_PER_ORDER))
    presales_created = orders.placed[presales] - (rng.uniform(0.1, 48, len(presales)) * HOUR).astype(np.int64)
    presales_cat = np.full(len(presales), categories.index("product_question"))

    # Parcels stuck in the carrier's delay wave: customers write in once the parcel stops moving.
    stuck = np.flatnonzero(fulfillment.stalled)
    stuck = stuck[rng.random(len(stuck)) < 0.45]
    stuck_created = fulfillment.shipped[stuck] + (rng.uniform(2.0, 4.5, len(stuck)) * DAY).astype(np.int64)
    stuck_cat = np.full(len(stuck), categories.index("wismo"))

    order = np.concatenate([base, np.full(len(presales), -1), stuck])
    created = np.concatenate([base_created, presales_created, stuck_created])
    category = np.concatenate([base_cat, presales_cat, stuck_cat])
    in_wave = np.concatenate([np.zeros(len(base) + len(presales), bool), np.ones(len(stuck), bool)])
    weekday = grid.weekdays[np.clip(grid.day_index(created), 0, grid.size - 1)]
    keep = (
        (created <= now)
        & (created >= grid.starts[0])
        & (rng.random(len(created)) < FRIDAY_SPIKE[weekday] / FRIDAY_SPIKE.max())
    )
    order, created, category, in_wave = order[keep], created[keep], category[keep], in_wave[keep]
    scenarios.wismo_tickets_in_wave = int(in_wave.sum())
    subjects = [
        names.TICKET_CATEGORIES[categories[c]][1][i % len(names.TICKET_CATEGORIES[categories[c]][1])]
        for i, c in enumerate(category.tolist())
    ]
    value = np.where(order >= 0, orders.total[np.maximum(order, 0)], -1)
    legal = np.zeros(len(order), bool)
    regulatory = np.zeros(len(order), bool)

    # The escalations the manager handles personally: refunds above the approval line, a legal threat and a
    # regulatory complaint, all from the last day or two.
    planted = np.flatnonzero(refunds.planted)
    threats = _threat_orders(fulfillment, orders, rng)
    order = np.concatenate([order, refunds.order[planted], threats])
    created = np.concatenate([created, refunds.requested[planted], now - np.array([3, 5]) * HOUR])
    category = np.concatenate([category, np.full(len(planted) + 2, categories.index("billing"))])
    in_wave = np.concatenate([in_wave, np.zeros(len(planted) + 2, bool)])
    value = np.concatenate([value, refunds.amount[planted], orders.total[threats]])
    manager = np.concatenate([np.zeros(len(legal), bool), np.ones(len(planted) + 2, bool)])
    legal = np.concatenate([legal, np.zeros(len(planted), bool), [True, False]])
    regulatory = np.concatenate([regulatory, np.zeros(len(planted), bool), [False, True]])
    numbers = [f"#{1001 + o}" for o in order.tolist()]
    subjects += [
        f"Refund request for order {n}" for n in numbers[len(subjects) : len(subjects) + len(planted)]
    ]
    subjects += [
        f"Order {numbers[-2]}: I am contacting my attorney about this",
        f"Filing a complaint with the BBB and the FTC about order {numbers[-1]}",
    ]
    subjects = [s.replace("{n}", n) for s, n in zip(subjects, numbers, strict=True)]
    return _outcomes(
        now,
        order,
        created,
        category,
        in_wave,
        value,
        manager,
        legal,
        regulatory,
        subjects,
        orders,
        vip,
        operator_ids,
        operators,
        hours,
        rng,
        scenarios,
        categories,
    )


def _threat_orders(fulfillment: Fulfillment, orders: Orders, rng: np.random.Generator) -> NDArray[np.int64]:
    """The legal threat comes from a stuck parcel's buyer, the regulatory one from a late order's buyer."""
    stuck = np.flatnonzero(fulfillment.stalled)
    late = np.flatnonzero((fulfillment.status == "unfulfilled") & (fulfillment.ship_by < orders.placed.max()))
    pool = stuck if len(stuck) else np.arange(len(orders.placed))
    other = late if len(late) else pool
    return np.array([rng.choice(pool), rng.choice(other)], dtype=np.int64)


def _outcomes(
    now: int,
    order: NDArray[np.int64],
    created: NDArray[np.int64],
    category: NDArray[np.int64],
    in_wave: NDArray[np.bool_],
    value: NDArray[np.int64],
    manager: NDArray[np.bool_],
    legal: NDArray[np.bool_],
    regulatory: NDArray[np.bool_],
    subjects: list[str],
    orders: Orders,
    vip: NDArray[np.bool_],
    operator_ids: list[int],
    operators: list[names.OperatorProfile],
    hours: BusinessCalendar,
    rng: np.random.Generator,
    scenarios: Scenarios,
    categories: list[str],
) -> dict[str, Column]:
    """Assign, answer, escalate, resolve and rate each ticket, by its operator's habits and business hours."""
    sort = np.argsort(created, kind="stable")
    order, created, category, in_wave, value = (
        order[sort],
        created[sort],
        category[sort],
        in_wave[sort],
        value[sort],
    )
    manager, legal, regulatory = manager[sort], legal[sort], regulatory[sort]
    subjects = [subjects[i] for i in sort.tolist()]
    count = len(order)
    ops = operators
    share = np.array([o[5] for o in ops])
    op = rng.choice(len(ops), count, p=share / share.sum())
    response_median = np.array([o[1] for o in ops])[op]
    start = hours.next_openings(created)
    first_response = start + (response_median * rng.lognormal(0, 0.6, count) * MINUTE).astype(np.int64)
    threat = legal | regulatory
    first_response[threat] = NAT  # just arrived: nobody has answered yet
    answered = (first_response != NAT) & (first_response <= now)
    slowness = response_median / 3.0
    resolved = first_response + (rng.lognormal(np.log(3.0), 0.9, count) * np.sqrt(slowness) * HOUR).astype(
        np.int64
    )
    # Tickets about stuck parcels stay open: there is nothing to do but wait for the carrier.
    is_resolved = answered & (resolved <= now) & ~manager & ~in_wave
    cat_mult = np.array([names.TICKET_CATEGORIES[c][2] for c in categories])[category]
    escalation_p = np.array([o[4] for o in ops])[op] * cat_mult
    escalated = (rng.random(count) < np.where(in_wave, 0.5, escalation_p)) | manager
    escalated_at = np.minimum(created + (rng.uniform(0.1, 6, count) * HOUR).astype(np.int64), now)
    escalated_at[threat] = created[threat]
    customer = np.where(order >= 0, orders.customer[np.maximum(order, 0)], -1)
    is_vip = (customer >= 0) & vip[np.maximum(customer, 0)]
    csat_mean = np.array([o[3] for o in ops])[op] - 0.8 * escalated
    rated = is_resolved & (rng.random(count) < 0.35)
    csat = np.clip(np.round(rng.normal(csat_mean, 0.55)), 1, 5).astype(np.int64)
    reviewed = is_resolved & (rng.random(count) < 0.25)
    quality = np.clip(rng.normal(np.array([o[2] for o in ops])[op], 0.015), 0.6, 1.0)
    status = np.where(
        is_resolved,
        np.where(resolved < now - 4 * DAY, "closed", "solved"),
        np.where(~answered, "new", np.where(rng.random(count) < 0.5, "open", "pending")),
    )
    priority = np.where(
        threat,
        "urgent",
        np.where(
            escalated | is_vip | (value > 50_000),
            "high",
            np.where(np.isin(category, [categories.index("product_question")]), "low", "normal"),
        ),
    )
    ids = np.arange(1, count + 1)
    scenarios.legal_ticket = f"ticket-{int(ids[legal][0])}"
    scenarios.regulatory_ticket = f"ticket-{int(ids[regulatory][0])}"
    channel_names, channel_p = zip(*names.TICKET_CHANNELS, strict=True)
    tags = [
        ", ".join(
            t
            for t in (
                categories[c],
                "vip" if v else "",
                "carrier-delay" if w else "",
                "legal" if lg else "",
                "regulatory" if rg else "",
            )
            if t
        )
        for c, v, w, lg, rg in zip(
            category.tolist(),
            is_vip.tolist(),
            in_wave.tolist(),
            legal.tolist(),
            regulatory.tolist(),
            strict=True,
        )
    ]
    final = np.where(is_resolved, resolved, np.where(answered, first_response, created))
    return {
        "id": ids,
        "source": [SOURCE] * count,
        "external_id": [f"ticket-{i}" for i in ids.tolist()],
        "store_id": np.ones(count, dtype=np.int64),
        "customer_id": [c + 1 if c >= 0 else None for c in customer.tolist()],
        "order_id": [o + 1 if o >= 0 else None for o in order.tolist()],
        "assignee_id": [
            operator_ids[o] if a else None for o, a in zip(op.tolist(), answered.tolist(), strict=True)
        ],
        "channel": rng.choice(np.array(channel_names), count, p=np.array(channel_p)),
        "subject": subjects,
        "category": np.array(categories)[category],
        "tags": tags,
        "priority": priority,
        "status": status,
        "created_at": as_datetime64(created),
        "first_response_at": as_datetime64(np.where(answered, first_response, NAT)),
        "resolved_at": as_datetime64(np.where(is_resolved, resolved, NAT)),
        "updated_at": as_datetime64(np.maximum(final, np.where(escalated, escalated_at, created))),
        "csat": [int(c) if r else None for c, r in zip(csat.tolist(), rated.tolist(), strict=True)],
        "quality_score": np.where(reviewed, np.round(quality, 4), np.nan),
        "is_escalated": escalated,
        "escalated_at": as_datetime64(np.where(escalated, escalated_at, NAT)),
        "legal_threat": legal,
        "regulatory_threat": regulatory,
        "value_at_stake": np.where(value >= 0, value / 100, np.nan),
    }
