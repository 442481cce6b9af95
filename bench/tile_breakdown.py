"""Where the dashboard's time goes: each tile alone, and each SQL statement it runs, on one database.

For every tile it reports the median and p95 of computing that tile alone over --runs runs (after a warm-up,
in one session like the dashboard uses), the number of statements it ran, and its slowest statements by
median time, so the next speed-up goes where the time is. --clock cpu times the process's CPU time instead
of the wall clock: on a shared machine other processes' load then inflates the figures far less. With
--gc-freeze it calls gc.freeze() after the warm-up, to compare the tail with and without collection pauses
over the startup objects.

    python -m bench.tile_breakdown --db /tmp/hotdash-bench-large.db --runs 20
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.tiles import NOW, percentile
from hotdash.db.session import make_engine, session_factory
from hotdash.kernel.tunables import load_tunables
from hotdash.tiles.context import make_context, resolve_store
from hotdash.tiles.registry import TILES
from hotdash.tiles.windows import WindowName


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="/tmp/hotdash-bench-large.db")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--window", default="today", choices=[w.value for w in WindowName])
    parser.add_argument("--statements", type=int, default=4, help="slowest statements shown per tile")
    parser.add_argument("--gc-freeze", action="store_true")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    path = Path(args.db)
    if not path.exists():
        raise SystemExit(f"{path} does not exist: run bench.tiles first, it generates the store")
    engine = make_engine(f"sqlite:///{path}")
    factory = session_factory(engine)
    window = WindowName(args.window)
    current: dict[str, Any] = {"tile": None, "started": 0.0}
    statements: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_: Any) -> None:
        current["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if current["tile"] is not None:
            elapsed = (time.perf_counter() - current["started"]) * 1000
            statements[current["tile"]][" ".join(statement.split())].append(elapsed)

    timings: dict[str, list[float]] = defaultdict(list)
    for run in range(args.runs + 1):  # the first run warms caches and is not counted
        if run == 1:
            statements.clear()
            if args.gc_freeze:
                gc.freeze()
        with factory() as session:
            store = resolve_store(session=session, store_id=None)
            thresholds = load_tunables(session=session)
            ctx = make_context(session=session, store=store, now=NOW, window=window, thresholds=thresholds)
            for name, spec in TILES.items():
                current["tile"] = name
                started = clock()
                spec.compute(ctx)
                if run:
                    timings[name].append((clock() - started) * 1000)
                current["tile"] = None

    print(f"{path}, window {window.value}, {args.runs} runs, gc.freeze: {args.gc_freeze}, {args.clock} clock")
    print(f"{'tile':12s} {'p50 ms':>8s} {'p95 ms':>8s} {'stmts':>6s}")
    for name, samples in timings.items():
        runs_statements = sum(len(v) for v in statements[name].values()) / args.runs
        print(
            f"{name:12s} {statistics.median(samples):8.1f} {percentile(samples, 95):8.1f} {runs_statements:6.0f}"
        )
    print(f"{'all six':12s} {statistics.median([sum(s) for s in zip(*timings.values(), strict=True)]):8.1f}")
    for name in timings:
        slowest = sorted(statements[name].items(), key=lambda kv: -statistics.median(kv[1]))
        print(f"\n{name}: slowest statements (median ms, count per run)")
        for sql, samples in slowest[: args.statements]:
            print(f"  {statistics.median(samples):7.2f} x{len(samples) // args.runs}  {sql[:150]}")


if __name__ == "__main__":
    main()
