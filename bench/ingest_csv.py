"""Benchmark: importing a CSV of orders through `hotdash import`'s path, against a bare executemany baseline.

It generates a CSV of --rows orders (placed over a year, in time order, as shop exports are; a tenth with a
customer reference), then for each of --runs runs, on a fresh SQLite (or --pg URL) database each time:
- imports it with FileImport (encoding and delimiter detection, text parsing, validation, reference
  resolution, insert, customer figures and rollups, a commit per chunk), as `hotdash import orders FILE` does:
  a file this large is read and converted by a worker process on the second core (--in-process: not);
- as the baseline, inserts the same rows, already parsed into Python values, with one SQLAlchemy Core
  executemany per chunk and nothing else;
- as the floor, hands the same rows, already in storage form, to the driver's executemany (COPY on
  PostgreSQL): what the database itself takes with this schema's indexes and foreign keys.
It reports the median rows/s of each and the import's ratio to the baseline.

    python -m bench.ingest_csv --rows 100000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from hotdash.db import migrate
from hotdash.db.dialects import copy_rows
from hotdash.db.session import make_engine, session_factory
from hotdash.store.ingest.files.service import FileImport
from hotdash.store.models import Customer, Order, Store

START = datetime(2025, 12, 1, tzinfo=UTC)
CUSTOMERS = 10_000
COLUMNS = [
    "external_id", "customer_external_id", "number", "channel", "currency", "subtotal", "discount_total",
    "shipping_total", "tax_total", "total", "financial_status", "fulfillment_status", "tags", "placed_at",
    "updated_at",
]  # fmt: skip


def orders(rows: int) -> Iterator[dict[str, Any]]:
    """The bench's orders as Python values, the same ones every time."""
    rng = random.Random(7)
    step = timedelta(days=365) / rows
    for i in range(rows):
        placed = START + step * i
        subtotal = Decimal(rng.randrange(500, 30000)) / 100
        shipping = Decimal("4.90") if subtotal < 50 else Decimal("0.00")
        yield {
            "external_id": f"O{i}",
            "customer_external_id": f"C{rng.randrange(CUSTOMERS)}" if i % 10 == 0 else None,
            "number": f"#{100000 + i}",
            "channel": "web" if i % 7 else "pos",
            "currency": "EUR",
            "subtotal": subtotal,
            "discount_total": Decimal("0.00"),
            "shipping_total": shipping,
            "tax_total": Decimal("0.00"),
            "total": subtotal + shipping,
            "financial_status": "paid",
            "fulfillment_status": "fulfilled" if i % 3 else "unfulfilled",
            "tags": "" if i % 5 else "gift",
            "placed_at": placed,
            "updated_at": placed + timedelta(minutes=5),
        }


def generate(path: Path, rows: int) -> None:
    """Write the orders as a CSV, as a shop export gives them."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in orders(rows):
            writer.writerow(
                [
                    v.isoformat().replace("+00:00", "Z")
                    if isinstance(v, datetime)
                    else ""
                    if v is None
                    else v
                    for v in row.values()
                ]
            )


def fresh_database(url: str | None, folder: Path, run: int) -> Engine:
    engine = make_engine(url or f"sqlite:///{folder / f'bench-{run}.db'}")
    if url is not None:
        migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        session.add(Store(source="bench", external_id="s", name="Bench", currency="EUR", timezone="Europe/Berlin",
                          created_at=START))  # fmt: skip
        session.flush()
        session.execute(
            insert(Customer),
            [
                {
                    "source": "bench",
                    "external_id": f"C{i}",
                    "store_id": 1,
                    "created_at": START,
                    "updated_at": START,
                }
                for i in range(CUSTOMERS)
            ],
        )
        session.commit()
    return engine


def run_import(engine: Engine, path: Path, *, parallel: bool | None = None) -> float:
    factory = session_factory(engine)
    started = time.perf_counter()
    with factory() as session, path.open("rb") as binary:
        summary = FileImport(
            session=session, entity="orders", binary=binary, filename=path.name, now=datetime.now(UTC),
            source="bench", parallel=parallel,
        ).run(lambda _s, _n: session.commit())  # fmt: skip
        session.commit()
    elapsed = time.perf_counter() - started
    assert summary.rejected == 0, summary.first_rejects[:3]
    return elapsed


def run_baseline(engine: Engine, rows: list[dict[str, Any]]) -> float:
    customer_ids = {}
    with session_factory(engine)() as session:
        customer_ids = dict(session.execute(select(Customer.external_id, Customer.id)).all())
    started = time.perf_counter()
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            chunk = []
            for row in rows[start : start + 5000]:
                values = {k: v for k, v in row.items() if k != "customer_external_id"}
                ref = row["customer_external_id"]
                values.update(source="bench", store_id=1, customer_id=customer_ids[ref] if ref else None)
                chunk.append(values)
            connection.execute(insert(Order), chunk)
    return time.perf_counter() - started


def run_floor(engine: Engine, rows: list[dict[str, Any]]) -> float:
    """The database's own speed: rows already in storage form, one driver executemany per chunk, no checks."""
    with session_factory(engine)() as session:
        customer_ids = dict(session.execute(select(Customer.external_id, Customer.id)).all())
    names = [c for c in COLUMNS if c != "customer_external_id"] + ["source", "store_id", "customer_id"]
    table = Order.__table__
    stored = []
    with engine.connect() as connection:
        dialect = connection.dialect
        processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
        for row in rows:
            ref = row["customer_external_id"]
            values = [row[n] for n in names[:-3]] + ["bench", 1, customer_ids[ref] if ref else None]
            stored.append(tuple(p(v) if p else v for p, v in zip(processors, values, strict=True)))
    started = time.perf_counter()
    with engine.begin() as connection:
        for start in range(0, len(stored), 5000):
            copy_rows(connection, table, names, stored[start : start + 5000])  # type: ignore[arg-type]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", help="a PostgreSQL URL to use instead of SQLite (its schema is recreated)")
    parser.add_argument(
        "--in-process", action="store_true", help="read and convert in this process (no worker process)"
    )
    args = parser.parse_args()
    parallel = False if args.in_process else None
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        path = folder / "orders.csv"
        generate(path, args.rows)
        print(f"{args.rows:,} orders, {path.stat().st_size / 1e6:.0f} MB of CSV, {args.runs} runs each")
        imports, baselines, floors = [], [], []
        # The imports run first, before the baselines' parsed rows exist: a million dicts held by the bench
        # would make every garbage collection of the import walk them.
        for run in range(args.runs):
            engine = fresh_database(args.pg, folder, run)
            imports.append(run_import(engine, path, parallel=parallel))
            engine.dispose()
            print(f"  run {run + 1}: import {args.rows / imports[-1]:,.0f} rows/s")
        rows = list(orders(args.rows))
        for run in range(args.runs):
            engine = fresh_database(args.pg, folder, 100 + run)
            baselines.append(run_baseline(engine, rows))
            engine.dispose()
            engine = fresh_database(args.pg, folder, 200 + run)
            floors.append(run_floor(engine, rows))
            engine.dispose()
            print(f"  run {run + 1}: baseline {args.rows / baselines[-1]:,.0f} rows/s, "
                  f"floor {args.rows / floors[-1]:,.0f} rows/s")  # fmt: skip
    ours = args.rows / statistics.median(imports)
    base = args.rows / statistics.median(baselines)
    print(f"\nCSV import (median): {ours:,.0f} rows/s; Core executemany of parsed rows: {base:,.0f} rows/s")
    floor = args.rows / statistics.median(floors)
    print(
        f"driver executemany of storage-ready tuples, no checks (the database's own limit): {floor:,.0f} rows/s"
    )
    print(
        f"import / baseline = {ours / base:.2f}x, import / floor = {ours / floor:.2f}x (aim: >= 50,000 rows/s)"
    )


if __name__ == "__main__":
    main()
