"""Every route and method with the least role that may use it; each role is checked by token and by session.

The matrix is the access policy in one place (`docs/auth.md` says it in words). A route added to the app
without a line here fails `test_the_matrix_covers_every_route`, so a new route cannot go unchecked. Anonymous
access is `tests/web/test_auth_routes.py`'s subject.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotdash.auth import service as auth_service
from hotdash.auth.deps import SESSION_COOKIE
from hotdash.auth.models import Role, User
from hotdash.db.session import session_factory, unit_of_work
from tests.auth.helpers import add_user, bearer
from tests.web.conftest import ApiToken
from tests.web.test_auth_routes import protected_requests

V, OP, M, A = Role.viewer, Role.operator, Role.manager, Role.admin
ROLES = (V, OP, M, A)

MATRIX: dict[tuple[str, str], Role] = {
    ("GET", "/"): V,
    ("GET", "/admin/jobs"): A,
    ("POST", "/admin/jobs/{job_id}/retry"): A,
    ("GET", "/admin/tokens"): A,
    ("POST", "/admin/tokens"): A,
    ("POST", "/admin/tokens/{token_id}/revoke"): A,
    ("GET", "/admin/users"): A,
    ("POST", "/admin/users"): A,
    ("POST", "/admin/users/{user_id}"): A,
    ("GET", "/api/v1/detections"): V,
    ("GET", "/api/v1/detections/{detection_id}"): V,
    ("POST", "/api/v1/detections/{detection_id}/mute"): OP,
    ("POST", "/api/v1/detections/{detection_id}/notes"): OP,
    ("POST", "/api/v1/detections/{detection_id}/resolve"): OP,
    ("POST", "/api/v1/detections/{detection_id}/snooze"): OP,
    ("POST", "/api/v1/detections/{detection_id}/unmute"): OP,
    ("GET", "/api/v1/imports"): V,
    ("POST", "/api/v1/imports/{entity}"): OP,
    ("GET", "/api/v1/imports/{run_id}/rejects"): OP,
    ("GET", "/api/v1/info"): V,
    ("POST", "/api/v1/ingest/{entity}"): OP,
    ("GET", "/api/v1/jobs"): A,
    ("POST", "/api/v1/jobs/{job_id}/retry"): A,
    ("GET", "/api/v1/me"): V,
    ("GET", "/api/v1/rules"): V,
    ("POST", "/api/v1/rules"): M,
    ("POST", "/api/v1/rules/check"): V,
    ("GET", "/api/v1/rules/{key}"): V,
    ("PATCH", "/api/v1/rules/{key}"): M,
    ("GET", "/api/v1/rules/{key}/backtest"): V,
    ("POST", "/api/v1/rules/{key}/disable"): M,
    ("POST", "/api/v1/rules/{key}/enable"): M,
    ("GET", "/api/v1/rules/{key}/evaluations"): V,
    ("POST", "/api/v1/rules/{key}/run"): M,
    ("GET", "/api/v1/rules/{key}/versions"): V,
    ("GET", "/api/v1/sources"): V,
    ("POST", "/api/v1/sources"): A,
    ("GET", "/api/v1/sources/{key}"): V,
    ("PATCH", "/api/v1/sources/{key}"): A,
    ("DELETE", "/api/v1/sources/{key}/secrets/{name}"): A,
    ("PUT", "/api/v1/sources/{key}/secrets/{name}"): A,
    ("GET", "/api/v1/thresholds"): V,
    ("DELETE", "/api/v1/thresholds/{key}"): M,
    ("GET", "/api/v1/thresholds/{key}"): V,
    ("PUT", "/api/v1/thresholds/{key}"): M,
    ("GET", "/api/v1/tiles"): V,
    ("GET", "/api/v1/tiles/{name}"): V,
    ("GET", "/api/v1/tokens"): A,
    ("POST", "/api/v1/tokens"): A,
    ("DELETE", "/api/v1/tokens/{token_id}"): A,
    ("GET", "/api/v1/users"): A,
    ("POST", "/api/v1/users"): A,
    ("PATCH", "/api/v1/users/{user_id}"): A,
    ("GET", "/audit"): M,
    ("GET", "/data"): V,
    ("GET", "/detections"): V,
    ("GET", "/detections/{detection_id}"): V,
    ("POST", "/detections/{detection_id}/{action}"): OP,
    ("GET", "/docs"): V,
    ("GET", "/docs/oauth2-redirect"): V,
    ("GET", "/imports"): V,
    ("POST", "/imports"): OP,
    ("GET", "/imports/{run_id}/rejects"): OP,
    ("POST", "/logout"): V,
    ("GET", "/openapi.json"): V,
    ("GET", "/partials/priorities"): V,
    ("GET", "/partials/summary"): V,
    ("GET", "/partials/tiles/{name}"): V,
    ("GET", "/records/{entity}/{record_id}"): V,
    ("GET", "/rules"): V,
    ("GET", "/rules/new"): M,
    ("POST", "/rules/new"): M,
    ("GET", "/rules/{key}"): V,
    ("GET", "/rules/{key}/edit"): M,
    ("POST", "/rules/{key}/edit"): M,
    ("POST", "/rules/{key}/enabled"): M,
    ("GET", "/settings/sources"): V,
    ("POST", "/settings/sources"): A,
    ("POST", "/settings/sources/{key}"): A,
    ("POST", "/settings/sources/{key}/enabled"): A,
    ("POST", "/settings/sources/{key}/secret"): A,
    ("GET", "/settings/thresholds"): V,
    ("POST", "/settings/thresholds/{key}"): M,
    ("GET", "/tiles/{name}"): V,
    ("GET", "/tiles/{name}/exceptions/{key:path}"): V,
}


# Routes for programs only: a browser session is refused whatever its role (the event API).
TOKEN_ONLY = {("POST", "/api/v1/ingest/{entity}")}


def concrete(path: str) -> str:
    """Fill path parameters with values no record has: an allowed request fails on its merits, not 403."""
    path = re.sub(r"\{\w*_id\}", "999999", path)
    return re.sub(r"\{[^}]+\}", "nothing", path)


def refused(method: str, path: str, response_status: int, body: str) -> bool:
    """Tell whether the answer is the role refusal (403), as opposed to any other outcome."""
    return response_status == 403 and ("forbidden" in body or "Not allowed" in body)


def test_the_matrix_covers_every_route(app: FastAPI) -> None:
    served = set(protected_requests(app))
    assert served - set(MATRIX) == set(), "routes without a line in MATRIX"
    assert set(MATRIX) - served == set(), "MATRIX lines for routes the app no longer has"


def _session_cookie(engine: Engine, email: str) -> tuple[str, str]:
    with unit_of_work(session_factory(engine)) as session:
        user = session.query(User).filter_by(email=email).one()
        started = auth_service.start_session(session=session, user=user, now=datetime.now(UTC))
        return started.token, started.record.csrf_token


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_reaches_exactly_the_routes_of_its_rank_by_token(
    app: FastAPI, api_token: ApiToken, role: Role
) -> None:
    token = api_token(role)
    wrong = []
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        for (method, path), least in sorted(MATRIX.items()):
            if path == "/logout":
                continue  # ends a browser session: a token has none; checked by session below
            response = client.request(method, concrete(path), headers=bearer(token))
            expected = not role.at_least(least)
            if refused(method, path, response.status_code, response.text) != expected:
                wrong.append(f"{method} {path} as {role.value}: {response.status_code}")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_reaches_exactly_the_routes_of_its_rank_by_session(
    app: FastAPI, sqlite_engine: Engine, role: Role
) -> None:
    email = f"session-{role.value}@example.com"
    add_user(sqlite_engine, email, role)
    wrong = []
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        for (method, path), least in sorted(MATRIX.items()):
            # A fresh browser session each time: signing out ends one, and nothing else may leak between.
            cookie, csrf = _session_cookie(sqlite_engine, email)
            client.cookies.set(SESSION_COOKIE, cookie)
            response = client.request(method, concrete(path), headers={"X-CSRF-Token": csrf})
            expected = not role.at_least(least) or (method, path) in TOKEN_ONLY
            if refused(method, path, response.status_code, response.text) != expected:
                wrong.append(f"{method} {path} as {role.value}: {response.status_code}")
            # Neither refused nor signed out: the request got past sign-in and CSRF to its own checks.
            to_sign_in = response.headers.get("location", "").startswith("/login")
            if (response.status_code == 401 or to_sign_in) and path != "/logout":
                wrong.append(f"{method} {path} as {role.value}: not signed in ({response.status_code})")
    assert wrong == []
