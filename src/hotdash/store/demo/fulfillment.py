"""Shipments, carrier scans and stock levels, including a carrier's delay wave and a warehouse backlog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hotdash.store.bulk import Column
from hotdash.store.demo import names
from hotdash.store.demo.dataset import SOURCE
from hotdash.store.demo.orders import Orders
from hotdash.store.demo.timeline import DAY, HOUR, DayGrid, as_datetime64

NAT = np.iinfo(np.int64).min
WAVE_DAYS = 7  # the delayed carrier's hub has been stalling parcels for a week
BACKLOG_DAYS = 2.5
BACKLOG_LOCATION = 1  # Columbus DC: short-staffed, orders pile up past their ship-by promise
LOCATION_CITY = ["Reno, NV", "Columbus, OH", "Dallas, TX"]
TRACKING_URL = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL eCommerce": "https://www.dhl.com/us-en/home/tracking.html?tracking-id={}",
}


@dataclass
class Fulfillment:
    """Per-order fulfilment outcome plus the shipment and tracking-event tables."""

    status: NDArray[np.str_]
    ship_by: NDArray[np.int64]
    deliver_by: NDArray[np.int64]
    shipped: NDArray[np.int64]  # NAT where not shipped yet
    delivered: NDArray[np.int64]  # NAT where not delivered yet
    shipment_of_order: NDArray[np.int64]  # shipment index or -1
    carrier_of_order: NDArray[np.int64]  # carrier index or -1
    stalled: NDArray[np.bool_]  # per order: parcel stuck in the delay wave
    shipments: dict[str, Column]
    events: dict[str, Column]


def _tracking_numbers(rng: np.random.Generator, carrier: NDArray[np.int64]) -> list[str]:
    digits = rng.integers(0, 10**12, size=(len(carrier), 2))
    formats = {0: "1Z{:06X}03{:010d}", 1: "9400{:09d}{:09d}", 2: "{:06d}{:06d}", 3: "GM{:08d}{:08d}"}
    out = []
    for c, (a, b) in zip(carrier.tolist(), digits.tolist(), strict=True):
        if c == 0:
            out.append(formats[0].format(a % 0xFFFFFF, b % 10**10))
        elif c == 1:
            out.append(formats[1].format(a % 10**9, b % 10**9))
        elif c == 2:
            out.append(formats[2].format(a % 10**6, b % 10**6))
        else:
            out.append(formats[3].format(a % 10**8, b % 10**8))
    return out


def build_fulfillment(grid: DayGrid, orders: Orders, rng: np.random.Generator) -> Fulfillment:
    """Ship, carry and deliver every order that the clock says has got that far."""
    now = grid.now_us
    n = orders.count
    express = rng.random(n) < 0.1
    ship_by = orders.placed + 48 * HOUR
    deliver_by = orders.placed + np.where(express, 3, 5) * DAY

    handling = (rng.lognormal(np.log(16.0), 0.6, n) * HOUR).astype(np.int64)
    backlog = (orders.location == BACKLOG_LOCATION) & (orders.placed >= now - int(BACKLOG_DAYS * DAY))
    handling += backlog * 40 * HOUR
    shipped = orders.placed + handling
    is_shipped = (~orders.cancelled) & (shipped <= now)

    carrier_names = [c[0] for c in names.CARRIERS]
    carrier = rng.choice(len(names.CARRIERS), n, p=np.array([c[1] for c in names.CARRIERS]))
    transit_median = np.array([c[2] for c in names.CARRIERS])[carrier]
    transit_days = rng.lognormal(np.log(transit_median), 0.22) * np.where(express, 0.6, 1.0)
    delivered = shipped + (transit_days * DAY).astype(np.int64)
    estimate_days = transit_median * np.where(express, 0.6, 1.0) * 1.2
    wave = carrier_names.index(names.DELAYED_CARRIER)
    stalled = is_shipped & (carrier == wave) & (shipped >= now - WAVE_DAYS * DAY) & (rng.random(n) < 0.75)
    is_delivered = is_shipped & ~stalled & (delivered <= now)

    status = np.where(
        orders.cancelled,
        "cancelled",
        np.where(is_delivered, "delivered", np.where(is_shipped, "fulfilled", "unfulfilled")),
    )
    ship_index = np.full(n, -1, dtype=np.int64)
    order_ids = np.flatnonzero(is_shipped)
    ship_index[order_ids] = np.arange(len(order_ids))
    s_carrier = carrier[order_ids]
    s_shipped = shipped[order_ids]
    s_delivered = np.where(is_delivered[order_ids], delivered[order_ids], NAT)
    s_stalled = stalled[order_ids]
    events = _events(
        grid,
        order_ids,
        orders,
        s_carrier,
        s_shipped,
        delivered[order_ids],
        s_stalled,
        transit_days[order_ids],
        rng,
    )
    last_event = np.full(len(order_ids), NAT, dtype=np.int64)
    np.maximum.at(last_event, events["_shipment"], events["_time"])
    out_for_delivery = ~s_stalled & (s_delivered == NAT) & (delivered[order_ids] - now < 8 * HOUR)
    s_status = np.where(
        s_delivered != NAT, "delivered", np.where(out_for_delivery, "out_for_delivery", "in_transit")
    )
    numbers = _tracking_numbers(rng, s_carrier)
    shipments: dict[str, Column] = {
        "id": np.arange(1, len(order_ids) + 1),
        "source": [SOURCE] * len(order_ids),
        "external_id": [f"fulfillment-{i}" for i in range(1, len(order_ids) + 1)],
        "order_id": order_ids + 1,
        "location_id": orders.location[order_ids] + 1,
        "carrier": [carrier_names[c] for c in s_carrier.tolist()],
        "service": [names.CARRIERS[c][3] for c in s_carrier.tolist()],
        "tracking_number": numbers,
        "tracking_url": [
            TRACKING_URL[carrier_names[c]].format(t) for c, t in zip(s_carrier.tolist(), numbers, strict=True)
        ],
        "status": s_status,
        "shipped_at": as_datetime64(s_shipped),
        # Carriers quote a conservative date: roughly the 80th percentile of their transit times.
        "estimated_delivery_at": as_datetime64(s_shipped + (estimate_days[order_ids] * DAY).astype(np.int64)),
        "delivered_at": as_datetime64(s_delivered),
        "last_event_at": as_datetime64(last_event),
        "updated_at": as_datetime64(np.maximum(last_event, s_shipped)),
    }
    public_events = {k: v for k, v in events.items() if not k.startswith("_")}
    return Fulfillment(
        status=status,
        ship_by=ship_by,
        deliver_by=deliver_by,
        shipped=np.where(is_shipped, shipped, NAT),
        delivered=np.where(is_delivered, delivered, NAT),
        shipment_of_order=ship_index,
        carrier_of_order=np.where(is_shipped, carrier, -1),
        stalled=stalled,
        shipments=shipments,
        events=public_events,
    )


def _events(
    grid: DayGrid,
    order_ids: NDArray[np.int64],
    orders: Orders,
    carrier: NDArray[np.int64],
    shipped: NDArray[np.int64],
    delivered: NDArray[np.int64],
    stalled: NDArray[np.bool_],
    transit_days: NDArray[np.float64],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Carrier scans up to now; a stalled parcel's last scan is its arrival at the carrier's hub."""
    count = len(order_ids)
    placed = orders.placed[order_ids]
    label = np.maximum(shipped - (rng.uniform(1, 6, count) * HOUR).astype(np.int64), placed + 600_000_000)
    hub = np.where(stalled, shipped + 10 * HOUR, shipped + (transit_days * 0.45 * DAY).astype(np.int64))
    out = delivered - (rng.uniform(3, 8, count) * HOUR).astype(np.int64)
    times = np.stack([label, shipped, hub, out, delivered], axis=1)
    valid = times <= grid.now_us
    valid[:, 3:] &= ~stalled[:, None]
    shipment = np.repeat(np.arange(count), 5)[valid.ravel()]
    kind = np.tile(np.arange(5), count)[valid.ravel()]
    when = times.ravel()[valid.ravel()]
    order = np.lexsort((when, shipment))
    shipment, kind, when = shipment[order], kind[order], when[order]
    carrier_names = [c[0] for c in names.CARRIERS]
    loc = orders.location[order_ids][shipment].tolist()
    car = carrier[shipment].tolist()
    statuses = np.array(["label_created", "in_transit", "in_transit", "out_for_delivery", "delivered"])
    description = {
        0: "Shipping label created",
        1: "Picked up by carrier",
        3: "Out for delivery",
        4: "Delivered",
    }
    text = [
        f"Arrived at {carrier_names[c]} facility" if k == 2 else description[k]
        for k, c in zip(kind.tolist(), car, strict=True)
    ]
    city = [
        names.CARRIER_HUBS[carrier_names[c]] if k == 2 else (LOCATION_CITY[lo] if k < 2 else None)
        for k, c, lo in zip(kind.tolist(), car, loc, strict=True)
    ]
    n_events = len(shipment)
    return {
        "id": np.arange(1, n_events + 1),
        "source": [SOURCE] * n_events,
        "external_id": [f"scan-{i}" for i in range(1, n_events + 1)],
        "shipment_id": shipment + 1,
        "occurred_at": as_datetime64(when),
        "status": statuses[kind],
        "description": text,
        "city": city,
        "_shipment": shipment,
        "_time": when,
    }
