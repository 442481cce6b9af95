"""Benchmark: detection on the large demo store (1M orders).

1. One scheduled cycle of 100 rules (record, time and metric rules over orders, tickets, shipments, refunds and
   SKUs), through the engine (evaluate, diff against open detections, resolve, log), against the same 100
   conditions hand-written in SQL (just selecting the matching ids), in the same run, on the same database.
   Both are timed over --runs runs after a warm-up; the engine's match counts are checked against the SQL's.
2. Ingest -> detection latency while sustaining a webhook load: orders arrive one per ingest batch through
   hotdash.store.ingest.upsert_batch at --rate per second; the detection runner (background threads, as in
   `hotdash serve`) evaluates the touched records when each batch commits. Latency is from the commit to the
   moment the runner has committed the detection (its DetectionsChanged event).

It works on a copy of the large database (--source is only read) and adds the detection tables to the copy.

    python -m bench.detection --source /work/bench-data/large.db --db /tmp/hotdash-detection-bench.db
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, delete, select, text
from sqlalchemy.orm import Session

from hotdash.clock import FrozenClock
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory, unit_of_work, writer_unit_of_work
from hotdash.db.types import UTCDateTime
from hotdash.detection import models as dm
from hotdash.detection import service
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.lifecycle import fingerprint
from hotdash.detection.scheduler.jobs import DetectionRunner, run_cycle
from hotdash.detection.schemas import RuleSpec
from hotdash.events import DetectionsChanged, RecordsUpserted, bus
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import Order, Store

NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # where the large demo's data ends
DELAYED = (
    "cancelled_at IS NULL AND ((fulfillment_status IN ('unfulfilled', 'partial') AND ship_by < :cut) "
    "OR (fulfillment_status = 'fulfilled' AND deliver_by < :cut))"
)
STOCK = (
    "(SELECT coalesce(sum(il.available), 0) FROM inventory_levels il JOIN locations l ON l.id = il.location_id "
    "WHERE il.sku_id = s.id AND l.is_active)"
)


@dataclass(frozen=True)
class Case:
    """One rule, and the same condition hand-written in SQL (with :cut = now - hours where it needs one)."""

    spec: dict[str, Any]
    sql: str
    hours: float = 0.0
    minutes: float = 0.0


def cases() -> list[Case]:
    out: list[Case] = []

    def record(
        key: str, entity: str, expression: str, sql: str, hours: float = 0, minutes: float = 0
    ) -> None:
        spec = {
            "key": f"bench.{key}",
            "name": key,
            "kind": "time",
            "entity": entity,
            "expression": expression,
        }
        out.append(Case(spec, sql, hours, minutes))

    for h in (
        1,
        2,
        3,
        4,
        6,
        8,
        10,
        12,
        18,
        24,
        30,
        36,
        48,
        60,
        72,
        84,
        96,
        120,
        144,
        168,
        200,
        240,
        300,
        400,
    ):
        record(f"late_{h}", "orders", f"delay_hours > {h}", f"SELECT id FROM orders WHERE {DELAYED}", h)
    for v in (50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500):
        record(
            f"late_value_{v}",
            "orders",
            f"is_delayed AND total > {v}",
            f"SELECT id FROM orders WHERE {DELAYED} AND total > {v}",
        )
    record(
        "late_first",
        "orders",
        "is_delayed AND is_first_order",
        f"SELECT o.id FROM orders o WHERE {DELAYED.replace('cancelled_at', 'o.cancelled_at')} AND o.customer_id "
        "IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders e WHERE e.customer_id = o.customer_id AND "
        "e.cancelled_at IS NULL AND (e.placed_at < o.placed_at OR (e.placed_at = o.placed_at AND e.id < o.id)))",
    )
    record(
        "late_vip",
        "orders",
        "is_delayed AND customer.is_vip",
        f"SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE {DELAYED} AND c.is_vip",
    )
    for channel in ("web", "pos", "phone", "marketplace"):
        for h in (24, 72):
            record(
                f"late_{channel}_{h}",
                "orders",
                f"delay_hours > {h} AND channel = '{channel}'",
                f"SELECT id FROM orders WHERE {DELAYED} AND channel = '{channel}'",
                h,
            )
    for name in ("Reno DC", "Columbus DC", "Dallas 3PL"):
        for h in (24, 72):
            record(
                f"late_{name.split()[0].lower()}_{h}",
                "orders",
                f"delay_hours > {h} AND location.name = '{name}'",
                f"SELECT o.id FROM orders o JOIN locations l ON l.id = o.location_id WHERE {DELAYED} "
                f"AND l.name = '{name}'",
                h,
            )
    for h in (24, 48, 72, 96, 120, 168):
        record(
            f"unfulfilled_age_{h}",
            "orders",
            f"fulfillment_status = 'unfulfilled' AND age_hours > {h}",
            "SELECT id FROM orders WHERE fulfillment_status = 'unfulfilled' AND placed_at < :cut",
            h,
        )
    for p in ("urgent", "high", "normal", "low"):
        record(
            f"open_{p}",
            "tickets",
            f"is_open AND priority = '{p}'",
            f"SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold') AND priority = '{p}'",
        )
    for m in (15, 30, 60, 120, 240, 480, 960, 1440):
        record(
            f"waiting_{m}",
            "tickets",
            f"is_open AND minutes_waiting > {m}",
            "SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold') "
            "AND first_response_at IS NULL AND created_at < :cut",
            minutes=m,
        )
    record(
        "threats",
        "tickets",
        "is_open AND (legal_threat OR regulatory_threat)",
        "SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold') "
        "AND (legal_threat OR regulatory_threat)",
    )
    for c in ("wismo", "damaged", "wrong_item", "site_error", "billing", "return_request"):
        record(
            f"escalated_{c}",
            "tickets",
            f"is_open AND is_escalated AND category = '{c}'",
            "SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold') AND is_escalated "
            f"AND category = '{c}'",
        )
    for h in (24, 72, 168):
        record(
            f"old_ticket_{h}",
            "tickets",
            f"age_hours > {h} AND is_open",
            "SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold') AND created_at < :cut",
            h,
        )
    silent = "(last_event_at < :cut OR (last_event_at IS NULL AND shipped_at < :cut))"
    for h in (24, 48, 72, 96, 120, 168):
        record(
            f"no_scan_{h}",
            "shipments",
            f"delivered_at IS NULL AND hours_since_last_scan > {h}",
            f"SELECT id FROM shipments WHERE delivered_at IS NULL AND {silent}",
            h,
        )
    for carrier in ("UPS", "FedEx", "USPS", "DHL eCommerce"):
        record(
            f"no_scan_72_{carrier.split()[0].lower()}",
            "shipments",
            f"delivered_at IS NULL AND hours_since_last_scan > 72 AND carrier = '{carrier}'",
            f"SELECT id FROM shipments WHERE delivered_at IS NULL AND {silent} AND carrier = '{carrier}'",
            72,
        )
    for a in (50, 100, 200, 500, 1000):
        record(
            f"refund_{a}",
            "refunds",
            f"is_pending AND amount > {a}",
            f"SELECT id FROM refunds WHERE status = 'requested' AND amount > {a}",
        )
    for n in (1, 5, 10, 20, 50):
        record(
            f"stock_{n}",
            "skus",
            f"is_active AND available < {n}",
            f"SELECT s.id FROM skus s WHERE s.is_active AND {STOCK} < {n}",
        )
    metric = {
        "key": "bench.per_warehouse",
        "name": "per warehouse",
        "kind": "metric",
        "entity": "orders",
        "expression": "is_delayed",
        "aggregate": "count",
        "group_by": "location.name",
        "thresholds": {"warning": 5, "critical": 15},
    }
    out.append(
        Case(
            metric,
            f"SELECT l.name FROM orders o JOIN locations l ON l.id = o.location_id WHERE {DELAYED} "
            "GROUP BY l.name HAVING count(*) >= 5",
        )
    )
    escalations = {
        "key": "bench.escalations_24h",
        "name": "escalations",
        "kind": "metric",
        "entity": "tickets",
        "expression": "is_escalated",
        "aggregate": "count",
        "window_field": "escalated_at",
        "window_hours": 24,
        "thresholds": {"warning": 1},
    }
    out.append(
        Case(
            escalations,
            "SELECT count(*) FROM tickets WHERE is_escalated AND escalated_at >= :cut HAVING count(*) >= 1",
            24,
        )
    )
    return out[:100]


def prepare(source: Path, target: Path) -> Engine:
    if not target.exists():
        print(f"copying {source} to {target} ...", flush=True)
        shutil.copyfile(source, target)
    engine = make_engine(f"sqlite:///{target}")
    # The copy may be at an older schema revision than the code: bring it to head as `hotdash serve` would.
    migrate.upgrade(engine)
    return engine


def install(engine: Engine, bench_cases: list[Case]) -> None:
    with unit_of_work(session_factory(engine)) as session:
        for table in (dm.Detection, dm.RuleEvaluation, dm.RuleVersion, dm.DetectionNote):
            session.execute(delete(table))
        session.execute(delete(dm.Rule))
        session.execute(delete(Order).where(Order.external_id.like("bench-%")))
        for case in bench_cases:
            service.create_rule(session=session, spec=RuleSpec.model_validate(case.spec), actor=None, now=NOW)


def hand_written(session: Session, bench_cases: list[Case]) -> list[int]:
    counts = []
    for case in bench_cases:
        statement = text(case.sql)
        params = {}
        if ":cut" in case.sql:
            statement = statement.bindparams(bindparam("cut", type_=UTCDateTime()))
            params["cut"] = NOW - timedelta(hours=case.hours, minutes=case.minutes)
        counts.append(len(session.execute(statement, params).all()))
    return counts


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def cycle_bench(engine: Engine, bench_cases: list[Case], runs: int) -> None:
    factory = session_factory(engine)
    clock = FrozenClock(NOW)
    evaluator = Evaluator(clock)
    with unit_of_work(factory) as session:
        first = run_cycle(session=session, evaluator=evaluator, trigger="schedule")  # opens the detections
    errors = [e.error for e in first if e.error]
    print(f"first cycle: {sum(e.opened for e in first)} detections opened, errors: {errors or 'none'}")
    engine_times, sql_times = [], []
    matches: list[int] = []
    expected: list[int] = []
    for _ in range(runs):
        with unit_of_work(factory) as session:
            started = time.perf_counter()
            results = run_cycle(session=session, evaluator=evaluator, trigger="schedule")
            engine_times.append(time.perf_counter() - started)
            keys = {r.id: r.key for r in service.list_rules(session=session)}
            by_key = {keys[e.rule_id]: e.matches for e in results}
            matches = [by_key[c.spec["key"]] for c in bench_cases]
        with factory() as session:
            started = time.perf_counter()
            expected = hand_written(session, bench_cases)
            sql_times.append(time.perf_counter() - started)
    wrong = [
        (c.spec["key"], got, want)
        for c, got, want in zip(bench_cases, matches, expected, strict=True)
        if got != want
    ]
    print(f"rules: {len(bench_cases)}; matches agree with the hand-written SQL: {not wrong} {wrong[:5]}")
    print(f"total matches {sum(matches)}")
    e, s = median_ms(engine_times), median_ms(sql_times)
    print(f"engine cycle   median {e:8.1f} ms   (runs: {', '.join(f'{t * 1000:.0f}' for t in engine_times)})")
    print(f"hand-written   median {s:8.1f} ms   (runs: {', '.join(f'{t * 1000:.0f}' for t in sql_times)})")
    print(f"ratio engine / hand-written: {e / s:.2f}x")


def latency_bench(engine: Engine, seconds: float, rate: float) -> None:
    factory = session_factory(engine)
    clock = FrozenClock(NOW)
    runner = DetectionRunner(factory, clock, background=True)
    with factory() as session:
        store_id = session.scalars(select(Store.id)).one()
        rule_id = session.scalars(select(dm.Rule.id).where(dm.Rule.key == "bench.late_value_500")).one()
    seen: dict[str, float] = {}
    lock = threading.Lock()

    def heard(event: DetectionsChanged) -> None:
        arrived = time.perf_counter()
        if event.rule_key == "bench.late_value_500":
            with lock:
                for fp in event.opened:
                    seen.setdefault(fp, arrived)

    unsubscribe = [
        bus.subscribe(RecordsUpserted, runner.on_records_upserted),
        bus.subscribe(DetectionsChanged, heard),
    ]
    runner.start()
    committed: dict[str, float] = {}
    ingest_times: list[float] = []
    try:
        n, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            external_id = f"bench-{int(started)}-{n}"
            record = {
                "external_id": external_id,
                "number": f"#B{n}",
                "channel": "web",
                "currency": "USD",
                "subtotal": Decimal("800.00"),
                "total": Decimal("800.00"),
                "financial_status": "paid",
                "fulfillment_status": "unfulfilled",
                "placed_at": NOW - timedelta(days=5),
                "ship_by": NOW - timedelta(days=3),
                "updated_at": NOW,
                "location_external_id": "location-1",
            }
            began = time.perf_counter()
            # A webhook handler on SQLite takes the write lock at BEGIN, as the detection runner does.
            with writer_unit_of_work(factory) as session:
                upsert_batch(session=session, store_id=store_id, source="demo", batch={"orders": [record]})
            done = time.perf_counter()
            ingest_times.append(done - began)
            committed[external_id] = done
            n += 1
            time.sleep(max(0.0, (n / rate) - (time.perf_counter() - started)))
        time.sleep(2.0)  # let the last evaluations finish
    finally:
        runner.stop()
        for stop in unsubscribe:
            stop()
    with factory() as session:
        ids = dict(
            session.execute(
                select(Order.external_id, Order.id).where(Order.external_id.in_(list(committed)))
            ).all()
        )
    latencies = []
    missing = 0
    for external_id, at in committed.items():
        fp = fingerprint("bench.late_value_500", store_id, str(ids[external_id]))
        if fp in seen:
            latencies.append(seen[fp] - at)
        else:
            missing += 1
    with factory() as session:
        evaluations = session.scalars(
            select(dm.RuleEvaluation).where(
                dm.RuleEvaluation.rule_id == rule_id, dm.RuleEvaluation.trigger == "ingest"
            )
        ).all()
    print(
        f"webhook load: {len(committed)} orders in {seconds:.0f} s ({len(committed) / seconds:.1f}/s), one per batch; "
        f"ingest commit p50 {percentile(ingest_times, 50) * 1000:.0f} ms"
    )
    print(
        f"ingest -> detection latency: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
        f"not detected: {missing}; ingest evaluations of the rule: {len(evaluations)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, default=Path("/work/bench-data/large.db"))
    parser.add_argument("--db", type=Path, default=Path("/tmp/hotdash-detection-bench.db"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=2.0, help="webhook deliveries per second")
    args = parser.parse_args()
    if args.db.resolve() == args.source.resolve():
        raise SystemExit("--db must be a copy, not the source")
    engine = prepare(args.source, args.db)
    bench_cases = cases()
    install(engine, bench_cases)
    cycle_bench(engine, bench_cases, args.runs)
    latency_bench(engine, args.seconds, args.rate)
    engine.dispose()


if __name__ == "__main__":
    main()
