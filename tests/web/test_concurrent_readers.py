"""A team refreshing its dashboards together: many readers at once after a minute idle, on SQLite.

Every GET used to write its session's or token's last use inside its own read transaction once a minute, and
SQLite refuses that upgrade as soon as another connection has committed: twenty requests arriving together
after a minute idle got nineteen HTTP 500 "database is locked". This runs the real server on loopback and
sends them really at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from hotdash.app import create_app
from hotdash.auth import service as auth_service
from hotdash.auth.deps import SESSION_COOKIE
from hotdash.auth.models import ApiToken, Role, WebSession
from hotdash.clock import FrozenClock
from hotdash.db.session import make_engine, session_factory, unit_of_work
from hotdash.settings import Settings
from tests.loopback import serving
from tests.store.demo_fixtures import DEMO_NOW, build_demo

READERS = 20


@dataclass
class Served:
    url: str
    database_url: str
    clock: FrozenClock
    cookie: str
    token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    engine, _ = build_demo(tmp_path_factory.mktemp("readers") / "demo.db")
    with unit_of_work(session_factory(engine)) as session:
        admin = auth_service.create_user(
            session=session,
            email="lead@example.com",
            name="Lead",
            role=Role.admin,
            password="correct horse battery staple",
            actor=None,
            now=DEMO_NOW,
        )
        cookie = auth_service.start_session(session=session, user=admin, now=DEMO_NOW).token
        token = auth_service.create_token(
            session=session, user=admin, name="wall", actor=None, now=DEMO_NOW
        ).token
    database_url = str(engine.url)
    engine.dispose()
    clock = FrozenClock(DEMO_NOW)
    with serving(create_app(Settings(database_url=database_url), clock=clock)) as url:
        yield Served(url, database_url, clock, cookie, token)


def _get_all_at_once(served: Served, path: str) -> list[int]:
    """Send READERS GETs of `path` released together, half by session cookie, half by API token."""
    barrier = threading.Barrier(READERS)

    def one(index: int) -> int:
        by_token = index % 2 == 0
        headers = {"Authorization": f"Bearer {served.token}"} if by_token else {}
        cookies = {} if by_token else {SESSION_COOKIE: served.cookie}
        with httpx.Client(base_url=served.url, headers=headers, cookies=cookies, timeout=60) as client:
            barrier.wait()
            return client.get(path).status_code

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return list(pool.map(one, range(READERS)))


def test_twenty_readers_after_a_minute_idle_all_get_their_figures(served: Served) -> None:
    assert _get_all_at_once(served, "/api/v1/tiles") == [200] * READERS  # warm: uses written at DEMO_NOW

    for minute in range(1, 4):
        served.clock.advance(timedelta(seconds=61))
        statuses = _get_all_at_once(served, "/api/v1/tiles")
        assert statuses == [200] * READERS, f"minute {minute}: {statuses}"

    # Each use was still written, once, at the moment of the last burst: the session slid its expiry.
    now = DEMO_NOW + timedelta(seconds=3 * 61)
    engine = make_engine(served.database_url)
    try:
        with session_factory(engine)() as session:
            web_session = session.scalars(select(WebSession)).one()
            api_token = session.scalars(select(ApiToken)).one()
            assert web_session.last_seen_at == now
            assert web_session.expires_at == now + timedelta(hours=12)
            assert api_token.last_used_at == now
    finally:
        engine.dispose()


def test_a_page_refresh_burst_and_a_change_at_the_same_time_all_succeed(served: Served) -> None:
    served.clock.advance(timedelta(seconds=61))
    results: list[list[int]] = []
    reader = threading.Thread(target=lambda: results.append(_get_all_at_once(served, "/")))
    reader.start()
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {served.token}"}) as client:
        changed = client.put(
            "/api/v1/thresholds/cx.systemic_min", json={"value": 4.0}, timeout=60
        ).status_code
    reader.join(timeout=120)
    assert results == [[200] * READERS]
    assert changed == 200
