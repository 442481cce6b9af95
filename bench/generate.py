"""Benchmark: how fast `hotdash demo` generates and loads each size on SQLite.

For each size it reports the median over --runs runs of: rows written, generation time, load time and
rows per second loaded. As the baseline, measured in the same run on the same rows, it loads the orders
table the straightforward way (SQLAlchemy Core executemany with one dict per row) and prints our loader's
speed-up over it.

    python bench/generate.py --sizes small,large --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import event

from hotdash.clock import FrozenClock
from hotdash.db import migrate
from hotdash.db.session import make_engine
from hotdash.schema import target_metadata
from hotdash.store.bulk import bulk_insert, to_storage
from hotdash.store.demo.dataset import DemoData
from hotdash.store.demo.service import DemoReport, generate_demo

NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
BASELINE_ROWS = 200_000


def run_once(size: str, workdir: Path, keep: list[DemoData]) -> DemoReport:
    path = workdir / f"{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    try:
        return generate_demo(
            engine=engine,
            clock=FrozenClock(NOW),
            size=size,
            seed=7,
            on_generated=lambda data: keep.append(data) if not keep else None,
        )
    finally:
        engine.dispose()


def _fresh(workdir: Path, name: str):  # type: ignore[no-untyped-def]
    path = workdir / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    # Only the orders table is loaded here, so its foreign keys have nothing to point at; SQLite ignores this
    # pragma inside a transaction, hence at connect time.
    event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA foreign_keys=OFF"))
    migrate.upgrade(engine)
    engine.dispose()  # migrations turn the checks back on for their connection; start from fresh ones
    return engine


def baseline_ratio(data: DemoData, workdir: Path) -> tuple[float, float]:
    """Return (ours, baseline) rows/s loading the first orders of this dataset."""
    table = target_metadata.tables["orders"]
    columns = {name: values[:BASELINE_ROWS] for name, values in data.columns["orders"].items()}
    rows = len(next(iter(columns.values())))
    # Core executemany gets Python objects, as an ORM-minded loader would build them.
    plain = {
        name: to_storage(values, sqlite=False) if isinstance(values, np.ndarray) else list(values)
        for name, values in columns.items()
    }
    dicts = []
    for i in range(rows):
        row = {name: plain[name][i] for name in plain}
        for name in ("placed_at", "ship_by", "deliver_by", "fulfilled_at", "cancelled_at", "updated_at"):
            if row[name] is not None:
                row[name] = datetime.fromisoformat(row[name])
        dicts.append(row)
    ours_engine = _fresh(workdir, "ours.db")
    with ours_engine.begin() as conn:
        started = time.perf_counter()
        bulk_insert(conn, table, columns)
        ours = rows / (time.perf_counter() - started)
    base_engine = _fresh(workdir, "base.db")
    with base_engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(table.insert(), dicts)
        base = rows / (time.perf_counter() - started)
    ours_engine.dispose()
    base_engine.dispose()
    return ours, base


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for size in args.sizes.split(","):
            reports: list[DemoReport] = []
            keep: list[DemoData] = []
            for _ in range(args.runs):
                reports.append(run_once(size, workdir, keep))
            rows = reports[0].total_rows
            gen = statistics.median(r.generate_seconds for r in reports)
            load = statistics.median(r.load_seconds for r in reports)
            rate = statistics.median(r.rows_per_second for r in reports)
            print(
                f"{size}: {reports[0].rows['orders']:,} orders, {rows:,} rows in all; "
                f"median of {args.runs}: generate {gen:.2f} s, load {load:.2f} s, {rate:,.0f} rows/s loaded, "
                f"{rows / (gen + load):,.0f} rows/s end to end"
            )
            ours, base = baseline_ratio(keep[0], workdir)
            print(
                f"  baseline (orders via Core executemany of dicts): {base:,.0f} rows/s; "
                f"bulk loader {ours:,.0f} rows/s = {ours / base:.2f}x"
            )


if __name__ == "__main__":
    main()
