"""The tiles' core figures computed the straightforward pandas way, with the tables already in memory."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from bench.reference_common import Moments, business_minutes, moments

OPEN = ["new", "open", "pending", "on_hold"]
TABLES = {
    "orders": "id, store_id, location_id, placed_at, total, cancelled_at, fulfillment_status, ship_by, deliver_by",
    "order_lines": "order_id, sku_id, quantity, total",
    "shipments": "order_id, carrier",
    "locations": "id, name",
    "tickets": "assignee_id, created_at, first_response_at, escalated_at, status, priority, csat, quality_score, "
    "is_escalated, legal_threat, regulatory_threat",
    "refunds": "amount, status",
    "inventory_levels": "sku_id, available",
    "page_traffic": "day, landing_page, sessions",
}
TIMES = [
    "placed_at",
    "cancelled_at",
    "ship_by",
    "deliver_by",
    "created_at",
    "first_response_at",
    "escalated_at",
]


def load(db: sqlite3.Connection) -> dict[str, pd.DataFrame]:
    """Read the tables the figures need into DataFrames, with timestamps parsed as UTC."""
    frames = {}
    for table, columns in TABLES.items():
        frame = pd.read_sql_query(f"SELECT {columns} FROM {table}", db)
        for column in frame.columns:
            if column in TIMES:
                frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        frames[table] = frame
    frames["page_traffic"]["day"] = pd.to_datetime(frames["page_traffic"]["day"]).dt.date
    return frames


def sales(f: dict[str, pd.DataFrame], m: Moments) -> dict[str, Any]:
    live = f["orders"][f["orders"]["cancelled_at"].isna() & (f["orders"]["store_id"] == 1)]
    sums = []
    for k in range(8):
        start, end = m.today_start - timedelta(days=k), m.now - timedelta(days=k)
        part = live[(live["placed_at"] >= start) & (live["placed_at"] < end)]
        sums.append((round(float(part["total"].sum()), 2), len(part)))
    today = live[(live["placed_at"] >= m.today_start) & (live["placed_at"] < m.now)]
    lines = f["order_lines"].merge(today[["id"]], left_on="order_id", right_on="id")
    top = lines.groupby("sku_id")["total"].sum().sort_values(ascending=False).head(5)
    return {
        "revenue": sums[0][0],
        "orders": sums[0][1],
        "revenue_last_week": sums[1][0],
        "revenue_baseline": round(sum(s[0] for s in sums[1:]) / 7, 2),
        "top_skus": [int(i) for i in top.index],
    }


def fulfillment(f: dict[str, pd.DataFrame], m: Moments) -> dict[str, Any]:
    o = f["orders"][f["orders"]["cancelled_at"].isna()]
    open_late = o["fulfillment_status"].isin(["unfulfilled", "partial"]) & (o["ship_by"] < m.now)
    transit_late = (o["fulfillment_status"] == "fulfilled") & (o["deliver_by"] < m.now)
    late = o[open_late | transit_late].copy()
    late["promise"] = late["ship_by"].where(
        late["fulfillment_status"].isin(["unfulfilled", "partial"]), late["deliver_by"]
    )
    late = late.merge(
        f["locations"].rename(columns={"id": "location_id", "name": "warehouse"}),
        how="left",
        on="location_id",
    ).merge(f["shipments"], how="left", left_on="id", right_on="order_id")
    late["carrier"] = late["carrier"].fillna("not shipped")
    hours = (m.now - late["promise"]).dt.total_seconds() / 3600
    return {
        "delayed": len(late),
        "value_held": round(float(late["total"].sum()), 2),
        "by_warehouse": late["warehouse"].fillna("?").value_counts().to_dict(),
        "by_carrier": late["carrier"].value_counts().to_dict(),
        "over_24h": int((hours > 24).sum()),
        "over_48h": int((hours > 48).sum()),
        "over_72h": int((hours > 72).sum()),
    }


def cx(f: dict[str, pd.DataFrame], m: Moments) -> dict[str, Any]:
    t = f["tickets"]
    escalations = int(
        ((t["escalated_at"] >= m.now - timedelta(hours=24)) & (t["escalated_at"] < m.now)).sum()
    )
    is_open = t["status"].isin(OPEN)
    waiting = t[is_open & t["first_response_at"].isna()]
    waited = business_minutes(m, list(waiting["created_at"].dt.to_pydatetime()))
    limits = [15 if p == "urgent" else 60 for p in waiting["priority"]]
    threats = int((is_open & (t["legal_threat"].astype(bool) | t["regulatory_threat"].astype(bool))).sum())
    refunds = f["refunds"]
    return {
        "escalations_24h": escalations,
        "threats_open": threats,
        "refunds_pending_over_100": int(
            ((refunds["status"] == "requested") & (refunds["amount"] > 100)).sum()
        ),
        "first_response_breaches": sum(1 for w, lim in zip(waited, limits, strict=True) if w > lim),
    }


def inventory(f: dict[str, pd.DataFrame], m: Moments) -> dict[str, Any]:
    o = f["orders"]
    window = o[
        o["cancelled_at"].isna()
        & (o["placed_at"] >= m.today_start - timedelta(days=28))
        & (o["placed_at"] < m.today_start)
    ]
    units = (
        f["order_lines"]
        .merge(window[["id"]], left_on="order_id", right_on="id")
        .groupby("sku_id")["quantity"]
        .sum()
    )
    available = f["inventory_levels"].groupby("sku_id")["available"].sum()
    rate = units[units > 0] / 28
    cover = available.reindex(rate.index).fillna(0) / rate
    return {"units_28d": int(units.sum()), "skus_under_3_days": int((cover < 3).sum())}


def seo(f: dict[str, pd.DataFrame], m: Moments) -> dict[str, Any]:
    p = f["page_traffic"]
    this = (
        p[(p["day"] >= m.this_week[0]) & (p["day"] <= m.this_week[1])]
        .groupby("landing_page")["sessions"]
        .sum()
    )
    last = (
        p[(p["day"] >= m.last_week[0]) & (p["day"] <= m.last_week[1])]
        .groupby("landing_page")["sessions"]
        .sum()
    )
    both = pd.DataFrame({"now": this, "before": last}).fillna(0)
    dropped = both[(both["before"] >= 50) & (both["now"] < both["before"] * 0.8)].index
    return {
        "sessions_this_week": int(this.sum()),
        "sessions_last_week": int(last.sum()),
        "dropped_pages": sorted(dropped),
    }


def team(f: dict[str, pd.DataFrame], m: Moments) -> dict[str, Any]:
    t = f["tickets"]
    week = t[
        t["assignee_id"].notna() & (t["created_at"] >= m.now - timedelta(days=7)) & (t["created_at"] < m.now)
    ]
    grouped = week.groupby("assignee_id").agg(
        n=("created_at", "size"),
        csat=("csat", "mean"),
        quality=("quality_score", "mean"),
        esc=("is_escalated", "mean"),
    )
    return {
        "operators": {
            int(i): (
                int(r.n),
                round(float(r.csat) if pd.notna(r.csat) else 0, 3),
                round(float(r.quality) if pd.notna(r.quality) else 0, 4),
                round(float(r.esc), 4),
            )
            for i, r in grouped.iterrows()
        }
    }


def all_tiles(frames: dict[str, pd.DataFrame], now: datetime, tz: ZoneInfo, calendar: Any) -> dict[str, Any]:
    m = moments(now, tz, calendar)
    return {
        "sales": sales(frames, m),
        "fulfillment": fulfillment(frames, m),
        "cx": cx(frames, m),
        "inventory": inventory(frames, m),
        "seo": seo(frames, m),
        "team": team(frames, m),
    }
