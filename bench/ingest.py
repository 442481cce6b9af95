"""Benchmark: sustained Shopify webhook ingestion into SQLite, group commit against one commit per request.

Each run starts a fresh SQLite file and a real server (uvicorn in its own process, as `hotdash serve` runs it),
then a separate sender process (bench/webhook_sender.py) sends --count signed orders/create webhooks over
--connections keep-alive connections. A delivery counts only when it was answered 2xx, which the server sends
after the row is committed. Every run then checks the file holds exactly --count deliveries.

Modes, alternated run by run so all see the same machine:
- group commit: concurrent requests hand their rows to one writer that commits them together (the default);
- baseline: HOTDASH_INBOUND_BATCH_MAX=1, one commit per request, the same code path otherwise;
- group commit + mapping: as the first, with the app's in-process job worker mapping the deliveries into
  orders while they arrive (the default configuration); it also reports end-to-end mapped orders/s, from the
  first request until the last delivery is processed.
The first two run with the processor off, so they measure receiving alone. It prints events/s and p50/p95
latency per run, the medians over --runs, and the ratio of the group-commit and baseline medians.

    python -m bench.ingest --runs 5 --count 20000

Afterwards it runs bench/ingest_csv.py (the CSV import benchmark of the ingest core), unless --skip-csv.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotdash.db import migrate
from hotdash.db.session import make_engine
from hotdash.store.models import Store
from hotdash.store.models.ingest import InboundEvent

SECRET = "bench-secret"
ROOT = Path(__file__).resolve().parents[1]


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_run(batch_max: int, count: int, connections: int, mapping: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="hotdash-bench-ingest-") as folder:
        url = f"sqlite:///{Path(folder) / 'ingest.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine) as session:
            session.add(
                Store(
                    source="shopify",
                    external_id="bench",
                    name="Bench",
                    domain="bench.myshopify.com",
                    currency="EUR",
                    timezone="UTC",
                    created_at=datetime.now(UTC),
                )
            )
            session.commit()
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
            "HOTDASH_DATABASE_URL": url,
            "HOTDASH_SHOPIFY_WEBHOOK_SECRET": SECRET,
            "HOTDASH_INBOUND_PROCESSOR": "true" if mapping else "false",
            # Mapping is the job `inbound.process`, run by the server's in-process job worker.
            "HOTDASH_JOBS_IN_PROCESS": "true" if mapping else "false",
            "HOTDASH_INBOUND_BATCH_MAX": str(batch_max),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "hotdash.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.05)
            started = time.perf_counter()
            sender = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.webhook_sender",
                    "--port",
                    str(port),
                    "--count",
                    str(count),
                    "--connections",
                    str(connections),
                    "--secret",
                    SECRET,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            mapped_s = 0.0
            if mapping:
                while pending(engine):
                    time.sleep(0.02)
                mapped_s = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(30)
        result = json.loads(sender.stdout)
        with engine.connect() as connection:
            stored = connection.scalar(select(func.count()).select_from(InboundEvent))
        engine.dispose()
    if result["ok"] != count or stored != count:
        raise SystemExit(f"expected {count} acknowledged and stored, got {result['ok']} and {stored}")
    latencies: list[float] = result["latencies_ms"]
    return {
        "mapped_per_s": count / mapped_s if mapped_s else 0.0,
        "events_per_s": count / result["seconds"],
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
    }


def describe(name: str, figures: dict[str, float], mapping: bool) -> str:
    text = (
        f"{name:28s} {figures['events_per_s']:8.0f} events/s  "
        f"p50 {figures['p50_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
    )
    return text + (f"  mapped end to end {figures['mapped_per_s']:6.0f}/s" if mapping else "")


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(InboundEvent).where(InboundEvent.status != "processed")
        return int(connection.scalar(query) or 0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=20_000, help="webhooks per run")
    parser.add_argument("--connections", type=int, default=32, help="concurrent sender connections")
    parser.add_argument("--skip-csv", action="store_true", help="do not run bench/ingest_csv.py afterwards")
    args = parser.parse_args()
    modes = {
        "group commit": (1000, False),
        "baseline (1 commit/request)": (1, False),
        "group commit + mapping": (1000, True),
    }
    results: dict[str, list[dict[str, float]]] = {name: [] for name in modes}
    for run in range(args.runs):
        for name, (batch_max, mapping) in modes.items():
            figures = one_run(batch_max, args.count, args.connections, mapping)
            results[name].append(figures)
            print(f"run {run + 1} {describe(name, figures, mapping)}", flush=True)
    print(f"\nmedians over {args.runs} runs, {args.count} webhooks each, {args.connections} connections:")
    medians = {}
    for name, runs in results.items():
        medians[name] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(f"  {describe(name, medians[name], modes[name][1])}")
    group, base = medians["group commit"], medians["baseline (1 commit/request)"]
    print(
        f"\ngroup commit / baseline: {group['events_per_s'] / base['events_per_s']:.2f}x events/s, "
        f"p95 {group['p95_ms'] / base['p95_ms']:.2f}x (aim >= 2,000 events/s)"
    )
    csv_bench = ROOT / "bench" / "ingest_csv.py"
    if args.skip_csv:
        return
    if csv_bench.exists():
        print("\nCSV import (bench/ingest_csv.py):", flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.ingest_csv", "--runs", str(min(args.runs, 3))],
            check=True,
            env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"},
        )
    else:
        print("\nbench/ingest_csv.py is not on this branch yet: run it on its own once merged.")


if __name__ == "__main__":
    main()
