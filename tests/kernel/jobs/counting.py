"""Test handlers that count: each run inserts one row into `job_runs`, in the job's own transaction.

The table is the tests' own (not in a migration). The subprocess worker loads these handlers through
HOTDASH_JOBS_MODULES=tests.kernel.jobs.counting.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from hotdash.events import DetectionsChanged
from hotdash.kernel.jobs.registry import Registry

COUNTERS = MetaData()
job_runs = Table(
    "job_runs",
    COUNTERS,
    Column("id", Integer, primary_key=True),
    Column("tag", String(32), nullable=False),
    Column("n", Integer, nullable=False),
)


def create_counter(engine: Engine) -> None:
    """Create the counter table (tests only)."""
    COUNTERS.create_all(engine)


def count_job(*, session: Session, payload: dict[str, Any]) -> None:
    """Record one run of job number `n`, then (optionally) take a moment, so a kill can land mid-job."""
    session.execute(insert(job_runs).values(tag="job", n=payload["n"]))
    time.sleep(float(payload.get("sleep", 0.0)))
    if payload.get("fail"):
        raise RuntimeError(f"refused by postgresql://robot:{payload['fail']}@db.internal/shop")


def _subscriber(tag: str) -> Any:
    def deliver(*, session: Session, event: DetectionsChanged) -> None:
        # The event comes back as the dataclass it was, tuples included.
        if not isinstance(event.opened, tuple):
            raise TypeError(f"opened came back as {type(event.opened).__name__}")
        assert event.store_id is not None
        session.execute(insert(job_runs).values(tag=tag, n=event.store_id))
        time.sleep(0.002)

    return deliver


def register_jobs(registry: Registry) -> None:
    """Add the counting job kind and two subscribers of DetectionsChanged."""
    registry.add("test.count", count_job)
    registry.subscribe(DetectionsChanged, "test.audit", _subscriber("audit"))
    registry.subscribe(DetectionsChanged, "test.mirror", _subscriber("mirror"))


def runs(engine: Engine, tag: str = "job") -> dict[int, int]:
    """Return how many times each number ran, for `tag`."""
    query = select(job_runs.c.n, func.count()).where(job_runs.c.tag == tag).group_by(job_runs.c.n)
    with engine.connect() as connection:
        return {int(n): int(count) for n, count in connection.execute(query)}
