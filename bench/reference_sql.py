"""The tiles' core figures written by hand in SQL over the raw tables (no rollups): the speed baseline.

Each function takes a sqlite3 connection to a HotDash database and returns plain numbers, so the benchmark
can check that all implementations agree before it compares their speed.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.reference_common import Moments, business_minutes, moments


def ts(moment: datetime) -> str:
    """Format an instant the way SQLAlchemy stores timestamps in SQLite."""
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S.%f")


def sales(db: sqlite3.Connection, m: Moments) -> dict[str, Any]:
    windows = [(m.today_start, m.now)] + [
        (m.today_start - timedelta(days=k), m.now - timedelta(days=k)) for k in range(1, 8)
    ]
    cases = ", ".join(
        f"SUM(CASE WHEN placed_at >= '{ts(a)}' AND placed_at < '{ts(b)}' THEN total END), "
        f"SUM(CASE WHEN placed_at >= '{ts(a)}' AND placed_at < '{ts(b)}' THEN 1 ELSE 0 END)"
        for a, b in windows
    )
    row = db.execute(
        f"SELECT {cases} FROM orders WHERE store_id = 1 AND cancelled_at IS NULL "
        f"AND placed_at >= '{ts(windows[-1][0])}' AND placed_at < '{ts(m.now)}'"
    ).fetchone()
    revenue = [round(row[2 * i] or 0, 2) for i in range(len(windows))]
    orders = [row[2 * i + 1] or 0 for i in range(len(windows))]
    top = db.execute(
        "SELECT l.sku_id, SUM(l.total) AS revenue, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = "
        "l.order_id WHERE o.store_id = 1 AND o.cancelled_at IS NULL AND o.placed_at >= ? AND o.placed_at < ? "
        "GROUP BY l.sku_id ORDER BY revenue DESC LIMIT 5",
        (ts(m.today_start), ts(m.now)),
    ).fetchall()
    return {
        "revenue": revenue[0],
        "orders": orders[0],
        "revenue_last_week": revenue[1],
        "revenue_baseline": round(sum(revenue[1:]) / 7, 2),
        "top_skus": [r[0] for r in top],
    }


def fulfillment(db: sqlite3.Connection, m: Moments) -> dict[str, Any]:
    now = ts(m.now)
    rows = db.execute(
        "SELECT o.id, o.total, COALESCE(l.name, '?'), COALESCE(s.carrier, 'not shipped'), "
        "CASE WHEN o.fulfillment_status IN ('unfulfilled', 'partial') THEN o.ship_by ELSE o.deliver_by END "
        "FROM orders o LEFT JOIN locations l ON l.id = o.location_id LEFT JOIN shipments s ON s.order_id = o.id "
        "WHERE o.cancelled_at IS NULL AND ((o.fulfillment_status IN ('unfulfilled', 'partial') AND o.ship_by < ?) "
        "OR (o.fulfillment_status = 'fulfilled' AND o.deliver_by < ?))",
        (now, now),
    ).fetchall()
    by_warehouse: dict[str, int] = {}
    by_carrier: dict[str, int] = {}
    ages = [0, 0, 0]
    for _id, _total, warehouse, carrier, promise in rows:
        by_warehouse[warehouse] = by_warehouse.get(warehouse, 0) + 1
        by_carrier[carrier] = by_carrier.get(carrier, 0) + 1
        hours = (m.now - datetime.fromisoformat(promise + "+00:00")).total_seconds() / 3600
        for i, limit in enumerate((24, 48, 72)):
            ages[i] += hours > limit
    return {
        "delayed": len(rows),
        "value_held": round(sum(r[1] for r in rows), 2),
        "by_warehouse": by_warehouse,
        "by_carrier": by_carrier,
        "over_24h": ages[0],
        "over_48h": ages[1],
        "over_72h": ages[2],
    }


def cx(db: sqlite3.Connection, m: Moments) -> dict[str, Any]:
    escalations = db.execute(
        "SELECT COUNT(*) FROM tickets WHERE escalated_at >= ? AND escalated_at < ?",
        (ts(m.now - timedelta(hours=24)), ts(m.now)),
    ).fetchone()[0]
    open_rows = db.execute(
        "SELECT created_at, priority, legal_threat, regulatory_threat FROM tickets "
        "WHERE status IN ('new', 'open', 'pending', 'on_hold') AND first_response_at IS NULL"
    ).fetchall()
    threats = db.execute(
        "SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold') "
        "AND (legal_threat OR regulatory_threat)"
    ).fetchone()[0]
    refunds = db.execute(
        "SELECT COUNT(*) FROM refunds WHERE status = 'requested' AND amount > 100"
    ).fetchone()[0]
    waited = business_minutes(m, [datetime.fromisoformat(r[0] + "+00:00") for r in open_rows])
    limits = [15 if r[1] == "urgent" else 60 for r in open_rows]
    breached = sum(1 for w, limit in zip(waited, limits, strict=True) if w > limit)
    return {
        "escalations_24h": escalations,
        "threats_open": threats,
        "refunds_pending_over_100": refunds,
        "first_response_breaches": breached,
    }


def inventory(db: sqlite3.Connection, m: Moments) -> dict[str, Any]:
    units = dict(
        db.execute(
            "SELECT l.sku_id, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id "
            "WHERE o.cancelled_at IS NULL AND o.placed_at >= ? AND o.placed_at < ? GROUP BY l.sku_id",
            (ts(m.today_start - timedelta(days=28)), ts(m.today_start)),
        ).fetchall()
    )
    available = dict(
        db.execute("SELECT sku_id, SUM(available) FROM inventory_levels GROUP BY sku_id").fetchall()
    )
    cover = {sku: available.get(sku, 0) / (u / 28) for sku, u in units.items() if u}
    return {"units_28d": sum(units.values()), "skus_under_3_days": sum(1 for c in cover.values() if c < 3)}


def seo(db: sqlite3.Connection, m: Moments) -> dict[str, Any]:
    rows = db.execute(
        "SELECT landing_page, SUM(CASE WHEN day >= ? THEN sessions ELSE 0 END), "
        "SUM(CASE WHEN day < ? THEN sessions ELSE 0 END) FROM page_traffic WHERE day >= ? AND day < ? "
        "GROUP BY landing_page",
        (
            m.this_week[0].isoformat(),
            m.this_week[0].isoformat(),
            m.last_week[0].isoformat(),
            (m.this_week[1] + timedelta(days=1)).isoformat(),
        ),
    ).fetchall()
    dropped = [page for page, now, before in rows if before >= 50 and now < before * 0.8]
    return {
        "sessions_this_week": sum(r[1] for r in rows),
        "sessions_last_week": sum(r[2] for r in rows),
        "dropped_pages": sorted(dropped),
    }


def team(db: sqlite3.Connection, m: Moments) -> dict[str, Any]:
    rows = db.execute(
        "SELECT assignee_id, COUNT(*), AVG(csat), AVG(quality_score), AVG(is_escalated) FROM tickets "
        "WHERE assignee_id IS NOT NULL AND created_at >= ? AND created_at < ? GROUP BY assignee_id",
        (ts(m.now - timedelta(days=7)), ts(m.now)),
    ).fetchall()
    return {
        "operators": {r[0]: (r[1], round(r[2] or 0, 3), round(r[3] or 0, 4), round(r[4], 4)) for r in rows}
    }


def all_tiles(db: sqlite3.Connection, now: datetime, tz: ZoneInfo, calendar: Any) -> dict[str, Any]:
    m = moments(now, tz, calendar)
    return {
        "sales": sales(db, m),
        "fulfillment": fulfillment(db, m),
        "cx": cx(db, m),
        "inventory": inventory(db, m),
        "seo": seo(db, m),
        "team": team(db, m),
    }
