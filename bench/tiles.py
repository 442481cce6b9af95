"""Benchmark: computing all six tiles on the large demo store, against hand-written SQL and pandas.

It times, over --runs runs after one warm-up, in the same process and on the same database:
- the tiles themselves (hotdash.tiles.dashboard.compute_dashboard), which read the sales rollups;
- the same core figures by hand-written SQL over the raw tables (bench/reference_sql.py);
- the same figures by straightforward pandas with the tables already in memory (bench/reference_pandas.py).
It reports p50 and p95 for each and the tiles' ratios to the hand-written SQL and to pandas, and first checks
that the three agree on the figures they share, so the comparison is between equal answers.

Like the server (hotdash.app.freeze_startup_heap, at startup), it freezes the objects alive before timing,
for all three alike, so a full garbage collection does not walk the startup heap and the in-memory tables
inside a timed run; --no-gc-freeze measures without it.

    python -m bench.tiles --db /tmp/hotdash-bench-large.db --runs 30
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import reference_pandas, reference_sql
from hotdash.app import freeze_startup_heap
from hotdash.clock import FrozenClock
from hotdash.db.session import make_engine, session_factory
from hotdash.store.calendar import store_calendar
from hotdash.store.demo.service import generate_demo
from hotdash.store.models import Store
from hotdash.tiles.dashboard import compute_dashboard
from hotdash.tiles.windows import WindowName

NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(action: Callable[[], Any], runs: int) -> tuple[list[float], list[float], Any]:
    """Return the wall-clock ms and the CPU ms of each run after a warm-up, and the last result."""
    result = action()  # warm-up: caches, page cache, lazy imports
    samples, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = action()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return samples, cpu, result


def figure(board: Any, tile: str, key: str) -> float | None:
    for result in board.tiles:
        if result.name == tile:
            for f in result.figures:
                if f.key == key:
                    return float(f.value) if f.value is not None else None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="/tmp/hotdash-bench-large.db")
    parser.add_argument("--size", default="large")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--window", default="today", choices=[w.value for w in WindowName])
    parser.add_argument("--no-gc-freeze", action="store_true", help="time without gc.freeze()")
    args = parser.parse_args()
    path = Path(args.db)
    engine = make_engine(f"sqlite:///{path}")
    if not path.exists():
        print(f"generating the {args.size} demo store into {path} ...")
        generate_demo(engine=engine, clock=FrozenClock(NOW), size=args.size)
    factory = session_factory(engine)
    window = WindowName(args.window)

    with factory() as session:
        store = session.get(Store, 1)
        assert store is not None
        tz = ZoneInfo(store.timezone)
        calendar = store_calendar(session=session, store=store)
        counts = session.execute(Store.__table__.select()).all()
    print(
        f"database {path} ({path.stat().st_size / 1e9:.2f} GB), {len(counts)} store, window {window.value}, "
        f"{args.runs} runs after a warm-up, gc.freeze {'off' if args.no_gc_freeze else 'on'}"
    )

    def ours() -> Any:
        with factory() as session:
            return compute_dashboard(session=session, now=NOW, window=window)

    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    started = time.perf_counter()
    frames = reference_pandas.load(raw)
    load_ms = (time.perf_counter() - started) * 1000
    if not args.no_gc_freeze:
        freeze_startup_heap()

    ours_ms, ours_cpu, board = timed(ours, args.runs)
    sql_ms, sql_cpu, by_sql = timed(lambda: reference_sql.all_tiles(raw, NOW, tz, calendar), args.runs)
    pandas_ms, pandas_cpu, by_pandas = timed(
        lambda: reference_pandas.all_tiles(frames, NOW, tz, calendar), args.runs
    )

    print("\nagreement (hand-written SQL vs pandas, and the tiles where they show the same figure):")
    for tile in by_sql:
        same = by_sql[tile] == by_pandas[tile]
        print(f"  {tile:12s} SQL == pandas: {'yes' if same else 'NO'}")
        if not same:
            print(f"    SQL:    {by_sql[tile]}\n    pandas: {by_pandas[tile]}")
    checks = [
        ("sales", "revenue", by_sql["sales"]["revenue"]),
        ("sales", "orders", by_sql["sales"]["orders"]),
        ("fulfillment", "delayed", by_sql["fulfillment"]["delayed"]),
        ("cx", "escalations", by_sql["cx"]["escalations_24h"]),
    ]
    for tile, key, expected in checks:
        shown = figure(board, tile, key)
        print(
            f"  tile {tile}.{key} = {shown}  reference = {expected}  {'ok' if shown == expected else 'DIFFERS'}"
        )
    if board.failures:
        print(f"  tiles that failed: {[f.name for f in board.failures]}")

    # CPU time beside the wall clock: on a shared machine other processes stretch the wall clock, far less
    # the CPU the process itself used.
    print(f"\ntiming (ms)          p50      p95   cpu p50  cpu p95   (load {os.getloadavg()[0]:.2f})")
    for label, samples, cpu in (
        ("tiles (ours)", ours_ms, ours_cpu),
        ("hand-written SQL", sql_ms, sql_cpu),
        ("pandas in memory", pandas_ms, pandas_cpu),
    ):
        print(
            f"  {label:18s} {statistics.median(samples):7.1f}  {percentile(samples, 95):7.1f}"
            f"  {statistics.median(cpu):7.1f}  {percentile(cpu, 95):7.1f}"
        )
    print(f"  (pandas also needed {load_ms:,.0f} ms to load the tables into memory, not counted above)")
    print()
    for label, samples in (("hand-written SQL", sql_ms), ("pandas", pandas_ms)):
        p50 = statistics.median(ours_ms) / statistics.median(samples)
        p95 = percentile(ours_ms, 95) / percentile(samples, 95)
        print(f"tiles / {label}: p50 {p50:.2f}x, p95 {p95:.2f}x")
    print(
        f"aims: tiles p95 <= 1.5x hand-written SQL p95, and tiles p95 <= 150 ms (now {percentile(ours_ms, 95):.0f})"
    )


if __name__ == "__main__":
    main()
