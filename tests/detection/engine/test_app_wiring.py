"""The app wires detection: with the scheduler on, it installs the default pack, runs threads, stops them."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from hotdash.app import create_app
from hotdash.db.session import session_factory
from hotdash.detection.defaults import DEFAULT_RULES
from hotdash.detection.models import Rule
from hotdash.events import RecordsUpserted, bus
from hotdash.settings import Settings


def _detection_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("detection-")}


def test_the_scheduler_starts_with_the_app_and_stops_with_it(sqlite_url: str, sqlite_engine: Engine) -> None:
    app = create_app(Settings(database_url=sqlite_url, detection_scheduler=True))
    before = len(bus._handlers.get(RecordsUpserted, []))
    with TestClient(app):
        # Scheduled rules are a job now (tests/detection/engine/test_schedule_job.py), not a thread.
        assert _detection_threads() == {"detection-ingest"}
        assert len(bus._handlers.get(RecordsUpserted, [])) == before + 1
        with session_factory(sqlite_engine)() as session:
            assert session.scalar(select(func.count()).select_from(Rule)) == len(DEFAULT_RULES)
    assert _detection_threads() == set()
    assert len(bus._handlers.get(RecordsUpserted, [])) == before


def test_without_the_scheduler_no_thread_runs_and_no_rule_is_installed(
    sqlite_url: str, sqlite_engine: Engine
) -> None:
    with TestClient(create_app(Settings(database_url=sqlite_url))):
        assert _detection_threads() == set()
    with session_factory(sqlite_engine)() as session:
        assert session.scalar(select(func.count()).select_from(Rule)) == 0
