"""Admins see background jobs by state with their errors and retry failed ones, on the page and the API."""

from __future__ import annotations

import html
import random
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotdash.app import create_app
from hotdash.auth.models import AuditEntry, Role
from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.kernel.jobs import queue
from hotdash.kernel.jobs.models import Job
from hotdash.kernel.jobs.registry import Registry
from hotdash.kernel.jobs.worker import Worker
from hotdash.settings import Settings
from tests.auth.helpers import add_user, bearer, csrf_of, sign_in
from tests.kernel.jobs.counting import create_counter, register_jobs, runs
from tests.web.conftest import ApiToken, ClientAs
from tests.web.test_api import assert_error_shape

AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
ERROR = "RuntimeError: refused by postgresql://robot:***@db.internal/shop"


@pytest.fixture
def jobs(sqlite_engine: Engine) -> dict[str, int]:
    """A done job, a failed one (with its scrubbed error) and a queued one; their ids by state."""
    create_counter(sqlite_engine)
    with unit_of_work(session_factory(sqlite_engine)) as session:
        done = queue.enqueue(session=session, kind="test.count", payload={"n": 1}, now=AT)
        failed = queue.enqueue(
            session=session, kind="test.count", payload={"n": 2, "fail": "pw"}, now=AT, max_attempts=1
        )
    registry = Registry()
    register_jobs(registry)
    Worker(sqlite_engine, registry, FrozenClock(AT), rng=random.Random(1)).drain()
    with unit_of_work(session_factory(sqlite_engine)) as session:
        queued = queue.enqueue(session=session, kind="test.count", payload={"n": 3}, now=AT)
    return {"done": done.id, "failed": failed.id, "queued": queued.id}


def test_an_admin_sees_failed_jobs_with_their_error_and_retries_one(
    client_as: ClientAs, jobs: dict[str, int], sqlite_engine: Engine
) -> None:
    admin = client_as(Role.admin)

    page = admin.get("/admin/jobs?state=failed")

    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "queued (1)" in text
    assert "running (0)" in text
    assert "done (1)" in text
    assert "failed (1)" in text
    assert ERROR in text
    assert "pw@" not in text
    assert text.count(">Retry</button>") == 1
    assert f'action="/admin/jobs/{jobs["failed"]}/retry"' in text

    retried = admin.post(
        f"/admin/jobs/{jobs['failed']}/retry", data={"csrf_token": csrf_of(admin)}, follow_redirects=False
    )

    assert retried.status_code == 303
    assert retried.headers["location"] == "/admin/jobs?state=failed&done=retried"
    after = admin.get(retried.headers["location"])
    assert "The job is queued again." in after.text
    assert "No failed jobs." in after.text
    with session_factory(sqlite_engine)() as session:
        job = session.get(Job, jobs["failed"])
        assert job is not None
        assert (job.state, job.attempts, job.last_error) == ("queued", 0, ERROR)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "job.retry")).one()
    assert (entry.entity_key, entry.before, entry.after) == (
        str(jobs["failed"]),
        {"state": "failed", "attempts": 1},
        {"state": "queued", "attempts": 0},
    )


def test_a_retry_without_the_pages_csrf_token_is_refused(client_as: ClientAs, jobs: dict[str, int]) -> None:
    admin = client_as(Role.admin)

    refused = admin.post(f"/admin/jobs/{jobs['failed']}/retry", data={}, follow_redirects=False)

    assert refused.status_code == 403
    assert "failed (1)" in admin.get("/admin/jobs").text


@pytest.mark.parametrize("role", [Role.viewer, Role.operator, Role.manager])
def test_only_admins_see_or_retry_jobs(
    client_as: ClientAs, api_token: ApiToken, jobs: dict[str, int], role: Role
) -> None:
    person = client_as(role)
    headers = bearer(api_token(role))

    assert person.get("/admin/jobs").status_code == 403
    assert (
        person.post(f"/admin/jobs/{jobs['failed']}/retry", data={"csrf_token": csrf_of(person)}).status_code
        == 403
    )
    listed = person.get("/api/v1/jobs", headers=headers)
    assert listed.status_code == 403
    assert_error_shape(listed.json(), "forbidden")
    assert person.post(f"/api/v1/jobs/{jobs['failed']}/retry", headers=headers).status_code == 403
    assert "/admin/jobs" not in person.get("/").text


def test_nobody_signed_in_is_sent_to_sign_in_or_gets_401(
    anon_client: TestClient, jobs: dict[str, int]
) -> None:
    page = anon_client.get("/admin/jobs", follow_redirects=False)
    api = anon_client.get("/api/v1/jobs")

    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fadmin%2Fjobs"
    assert api.status_code == 401
    assert_error_shape(api.json(), "not_authenticated")
    assert anon_client.post(f"/api/v1/jobs/{jobs['failed']}/retry").status_code == 401


def test_the_api_lists_jobs_by_state_and_retries_failed_ones(
    anon_client: TestClient, api_token: ApiToken, jobs: dict[str, int]
) -> None:
    admin = bearer(api_token(Role.admin))

    everything = anon_client.get("/api/v1/jobs", headers=admin).json()
    failed = anon_client.get("/api/v1/jobs?state=failed", headers=admin).json()

    assert [(job["id"], job["state"]) for job in everything] == [
        (jobs["queued"], "queued"),
        (jobs["failed"], "failed"),
        (jobs["done"], "done"),
    ]
    assert [(job["id"], job["attempts"], job["max_attempts"], job["last_error"]) for job in failed] == [
        (jobs["failed"], 1, 1, ERROR)
    ]
    retried = anon_client.post(f"/api/v1/jobs/{jobs['failed']}/retry", headers=admin)
    assert retried.status_code == 200
    assert {k: retried.json()[k] for k in ("id", "state", "attempts")} == {
        "id": jobs["failed"],
        "state": "queued",
        "attempts": 0,
    }
    again = anon_client.post(f"/api/v1/jobs/{jobs['done']}/retry", headers=admin)
    assert again.status_code == 409
    message = assert_error_shape(again.json(), "not_retryable")["message"]
    assert message == f"Job {jobs['done']} is done; only a failed job can be retried."
    missing = anon_client.post("/api/v1/jobs/999/retry", headers=admin)
    assert missing.status_code == 404
    assert assert_error_shape(missing.json(), "unknown_job")["message"] == "There is no job with id 999."
    bad = anon_client.get("/api/v1/jobs?state=stuck", headers=admin)
    assert bad.status_code == 422


def test_the_app_runs_queued_jobs_in_process_when_asked(sqlite_engine: Engine, sqlite_url: str) -> None:
    create_counter(sqlite_engine)
    settings = Settings(
        database_url=sqlite_url,
        jobs_in_process=True,
        jobs_modules="tests.kernel.jobs.counting",
        jobs_poll_seconds=0.05,
    )
    with unit_of_work(session_factory(sqlite_engine)) as session:
        queue.enqueue(session=session, kind="test.count", payload={"n": 7}, now=datetime.now(UTC))

    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 20
        while runs(sqlite_engine) != {7: 1} and time.monotonic() < deadline:
            time.sleep(0.05)

    assert runs(sqlite_engine) == {7: 1}


def test_an_app_built_without_the_setting_leaves_jobs_to_hotdash_worker(
    sqlite_engine: Engine, sqlite_url: str
) -> None:
    create_counter(sqlite_engine)
    settings = Settings(
        database_url=sqlite_url, jobs_modules="tests.kernel.jobs.counting", jobs_poll_seconds=0.05
    )
    with unit_of_work(session_factory(sqlite_engine)) as session:
        queue.enqueue(session=session, kind="test.count", payload={"n": 7}, now=datetime.now(UTC))
    add_user(sqlite_engine, "ops@example.com", Role.admin)

    with TestClient(create_app(settings)) as client:
        sign_in(client, "ops@example.com")
        time.sleep(0.5)
        listed = client.get("/api/v1/jobs").json()

    assert [job["state"] for job in listed] == ["queued"]
    assert runs(sqlite_engine) == {}
