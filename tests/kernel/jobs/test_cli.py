"""`hotdash jobs list|show|retry` and `hotdash serve` running jobs in-process on SQLite."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from hotdash import cli
from hotdash.cli import serve as serve_cli
from hotdash.clock import FrozenClock
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory, unit_of_work
from hotdash.kernel.http.services import services_of
from hotdash.kernel.jobs import queue
from hotdash.kernel.jobs.models import Job
from hotdash.kernel.jobs.registry import Registry
from hotdash.kernel.jobs.thread import WorkerThread
from hotdash.kernel.jobs.worker import Worker
from hotdash.settings import Settings, get_settings
from tests.kernel.jobs.counting import create_counter, register_jobs

AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
ERROR = "RuntimeError: refused by postgresql://robot:***@db.internal/shop"
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh SQLite file the settings point at (every other HOTDASH_* variable unset), not migrated."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in Settings.model_fields:
        monkeypatch.setenv(f"HOTDASH_{name.upper()}", "")
        monkeypatch.delenv(f"HOTDASH_{name.upper()}")
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


@pytest.fixture
def jobs(db: Engine) -> dict[str, int]:
    """Two failed jobs and a done one, ran by a real worker."""
    migrate.upgrade(db)
    create_counter(db)
    with unit_of_work(session_factory(db)) as session:
        failed = [
            queue.enqueue(
                session=session, kind="test.count", payload={"n": n, "fail": "pw"}, now=AT, max_attempts=1
            ).id
            for n in (1, 2)
        ]
        done = queue.enqueue(session=session, kind="test.count", payload={"n": 3}, now=AT).id
    registry = Registry()
    register_jobs(registry)
    Worker(db, registry, FrozenClock(AT), rng=random.Random(1)).drain()
    return {"failed": failed[0], "other_failed": failed[1], "done": done}


def run(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def said(result: Result) -> str:
    return " ".join(result.output.split())


def _state(engine: Engine, job_id: int) -> tuple[str, int]:
    with session_factory(engine)() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state, job.attempts


def test_list_shows_the_counts_and_the_failed_jobs_with_their_error(jobs: dict[str, int]) -> None:
    result = run("jobs", "list", "--state", "failed")

    assert result.exit_code == 0, result.output
    assert said(result).startswith("Jobs: 0 queued, 0 running, 1 done, 2 failed")
    rows = [line for line in result.output.splitlines() if "test.count" in line]
    assert len(rows) == 2
    assert all("failed" in row and "1/1" in row and "RuntimeError" in row for row in rows)
    assert "pw@" not in result.output


def test_show_prints_the_whole_job(jobs: dict[str, int]) -> None:
    result = run("jobs", "show", str(jobs["failed"]))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"Job: {jobs['failed']}" in lines
    assert "State: failed" in lines
    assert "Attempts: 1 of 1" in lines
    assert 'Payload: {"fail": "pw", "n": 1}' in lines
    assert f"Last error: {ERROR}" in lines
    missing = run("jobs", "show", "999")
    assert missing.exit_code == 1
    assert said(missing) == "There is no job with id 999."


def test_retry_one_then_all_failed(db: Engine, jobs: dict[str, int]) -> None:
    one = run("jobs", "retry", str(jobs["failed"]))

    assert one.exit_code == 0, one.output
    assert said(one) == f"Job {jobs['failed']} (test.count) is queued again."
    assert _state(db, jobs["failed"]) == ("queued", 0)
    assert _state(db, jobs["other_failed"]) == ("failed", 1)

    again = run("jobs", "retry", str(jobs["failed"]))
    assert again.exit_code == 1
    assert said(again) == f"Job {jobs['failed']} is queued; only a failed job can be retried."

    every = run("jobs", "retry", "--all-failed")
    assert every.exit_code == 0, every.output
    assert said(every) == "Retrying 1 failed job."
    assert _state(db, jobs["other_failed"]) == ("queued", 0)
    assert _state(db, jobs["done"]) == ("done", 1)


def test_retry_needs_an_id_or_all_failed(jobs: dict[str, int]) -> None:
    neither = run("jobs", "retry")
    both = run("jobs", "retry", "1", "--all-failed")

    assert (neither.exit_code, both.exit_code) == (2, 2)
    assert said(neither) == "Give a job id or --all-failed (one of the two)."


def test_on_an_unmigrated_database_the_commands_say_what_to_run(db: Engine) -> None:
    for args in (("jobs", "list"), ("worker",)):
        result = run(*args)
        assert result.exit_code == 1
        assert said(result) == "The database is not set up: run hotdash db upgrade."


def test_serve_runs_the_jobs_in_process_on_sqlite_unless_told_not_to(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[bool] = []

    def fake_run(app: FastAPI, **_options: Any) -> None:
        served.append(WorkerThread in services_of(app).components)

    monkeypatch.setattr(serve_cli.uvicorn, "run", fake_run)
    assert run("serve").exit_code == 0
    monkeypatch.setenv("HOTDASH_JOBS_IN_PROCESS", "false")
    get_settings.cache_clear()
    assert run("serve").exit_code == 0

    assert served == [True, False]


@pytest.mark.postgres
def test_serve_leaves_the_jobs_to_hotdash_worker_on_postgresql(
    db: Engine, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[bool] = []

    def fake_run(app: FastAPI, **_options: Any) -> None:
        served.append(WorkerThread in services_of(app).components)

    monkeypatch.setattr(serve_cli.uvicorn, "run", fake_run)
    monkeypatch.setenv("HOTDASH_DATABASE_URL", pg_url)
    get_settings.cache_clear()
    assert run("serve").exit_code == 0
    monkeypatch.setenv("HOTDASH_JOBS_IN_PROCESS", "true")
    get_settings.cache_clear()
    assert run("serve").exit_code == 0

    assert served == [False, True]
