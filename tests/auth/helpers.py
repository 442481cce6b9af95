"""Making users and tokens, and signing a TestClient in, for the auth and web tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine

from hotdash.auth import service
from hotdash.auth.models import Role
from hotdash.db.session import session_factory, writer_unit_of_work

PASSWORD = "correct horse battery staple"
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# Real parameters take ~0.15 s per hash; the tests hash hundreds of times. The argon2id algorithm is the same.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

_FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_PAGE_CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')


def add_user(
    engine: Engine,
    email: str,
    role: Role = Role.viewer,
    *,
    password: str = PASSWORD,
    name: str | None = None,
    active: bool = True,
) -> int:
    """Commit a user straight to the database; return its id."""
    # A writer like any other (docs/architecture.md, "Writers on SQLite"): an app's job worker may be writing.
    with writer_unit_of_work(session_factory(engine)) as session:
        user = service.create_user(
            session=session,
            email=email,
            name=name or email.split("@")[0].title(),
            role=role,
            password=password,
            actor=None,
            now=CREATED,
        )
        user.is_active = active
        return user.id


def add_token(engine: Engine, email: str, name: str = "test token", *, now: datetime = CREATED) -> str:
    """Commit an API token for the user with `email`; return the token."""
    with writer_unit_of_work(session_factory(engine)) as session:
        user = service.find_user(session=session, email=email)
        assert user is not None
        return service.create_token(session=session, user=user, name=name, actor=None, now=now).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_form_token(client: TestClient, path: str = "/login") -> str:
    """Open the sign-in page and return the CSRF token its form carries."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = _FORM_CSRF.search(page.text)
    assert match, "the sign-in form carries no csrf_token"
    return match.group(1)


def post_login(client: TestClient, email: str, password: str = PASSWORD, next: str | None = None) -> Response:
    """Fill in and post the sign-in form; return the response (redirects are not followed)."""
    data = {"email": email, "password": password, "csrf_token": login_form_token(client)}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data, follow_redirects=False)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign `client` in through the form; return the session's CSRF token."""
    response = post_login(client, email, password)
    assert response.status_code == 303, response.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    """Return the CSRF token the signed-in pages give htmx (on <body hx-headers=...>)."""
    page = client.get("/settings/thresholds")
    assert page.status_code == 200, page.text
    match = _PAGE_CSRF.search(page.text)
    assert match, "the page does not give htmx the CSRF token"
    return match.group(1)
