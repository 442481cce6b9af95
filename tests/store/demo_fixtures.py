"""A small demo store generated once per test module, at a fixed "now", for the realism checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from hotdash.clock import FrozenClock
from hotdash.db.session import make_engine
from hotdash.store.demo.service import DemoReport, generate_demo

# A Sunday morning in New York, the store's timezone: "today" has only a few hours of data so far.
DEMO_NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
STORE_TZ = ZoneInfo("America/New_York")


def build_demo(
    path: Path, *, seed: int = 7, size: str = "small", now: datetime = DEMO_NOW
) -> tuple[Engine, DemoReport]:
    engine = make_engine(f"sqlite:///{path}")
    report = generate_demo(engine=engine, clock=FrozenClock(now), size=size, seed=seed)
    return engine, report
