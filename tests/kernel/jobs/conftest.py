"""A counter table, a movable clock and workers with the counting handlers, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from hotdash.clock import FrozenClock
from hotdash.kernel.jobs.registry import Registry
from hotdash.kernel.jobs.worker import Worker, WorkerConfig
from tests.kernel.jobs.counting import create_counter, register_jobs

START = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
CONFIG = WorkerConfig(
    lease=timedelta(seconds=60), poll_seconds=0.01, retry_base_seconds=10.0, retry_max_seconds=3600.0
)

MakeWorker = Callable[[str], Worker]


@pytest.fixture
def jobs_engine(engine: Engine) -> Engine:
    create_counter(engine)
    return engine


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def registry() -> Registry:
    made = Registry()
    register_jobs(made)
    return made


@pytest.fixture
def make_worker(jobs_engine: Engine, registry: Registry, clock: FrozenClock) -> MakeWorker:
    def make(name: str) -> Worker:
        return Worker(jobs_engine, registry, clock, config=CONFIG, name=name, rng=random.Random(7))

    return make
