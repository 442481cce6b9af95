"""Signing in and out, sessions, CSRF, API tokens, throttling and redirects, through the real app."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotdash.app import create_app
from hotdash.auth.models import AuditEntry, Role
from hotdash.auth.pages import safe_next
from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory
from hotdash.settings import Settings
from tests.auth.helpers import (
    PASSWORD,
    add_token,
    add_user,
    bearer,
    csrf_of,
    login_form_token,
    post_login,
    sign_in,
)
from tests.web.conftest import ApiToken, ClientAs
from tests.web.test_api import assert_error_shape

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WRONG = "That email and password do not match an active account"


@pytest.fixture
def app_clock() -> FrozenClock:
    """The app runs on a clock pinned at T0."""
    return FrozenClock(T0)


@pytest.fixture
def clock(app_clock: FrozenClock) -> FrozenClock:
    """The app's clock; tests move it."""
    return app_clock


def test_a_page_sends_a_visitor_to_sign_in_and_back(anon_client: TestClient, sqlite_engine: Engine) -> None:
    add_user(sqlite_engine, "ana@example.com", Role.operator, name="Ana López")

    visit = anon_client.get("/settings/thresholds?x=1", follow_redirects=False)
    assert visit.status_code == 303
    assert visit.headers["location"] == "/login?next=%2Fsettings%2Fthresholds%3Fx%3D1"

    form = anon_client.get(visit.headers["location"])
    assert 'name="next" value="/settings/thresholds?x=1"' in form.text
    signed_in = post_login(anon_client, "ana@example.com", next="/settings/thresholds?x=1")

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/settings/thresholds?x=1"
    cookie = next(h for h in signed_in.headers.get_list("set-cookie") if h.startswith("hotdash_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    page = anon_client.get("/settings/thresholds")
    assert page.status_code == 200
    assert "Ana López" in page.text
    assert ">Sign out</button>" in page.text
    assert anon_client.get("/api/v1/me").json() == {
        "id": 1,
        "email": "ana@example.com",
        "name": "Ana López",
        "role": "operator",
        "signed_in_with": "session",
    }


def test_sign_out_ends_the_session_on_the_server(anon_client: TestClient, sqlite_engine: Engine) -> None:
    add_user(sqlite_engine, "ana@example.com")
    csrf = sign_in(anon_client, "ana@example.com")
    cookie = anon_client.cookies["hotdash_session"]

    signed_out = anon_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)

    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login"
    assert 'hotdash_session=""' in signed_out.headers["set-cookie"]
    assert anon_client.get("/api/v1/me").status_code == 401
    # The old cookie value is worthless: the session is gone from the database, not just from the browser.
    anon_client.cookies.set("hotdash_session", cookie)
    assert anon_client.get("/api/v1/me").status_code == 401


def test_the_cookie_is_secure_over_https(app: FastAPI, sqlite_engine: Engine) -> None:
    add_user(sqlite_engine, "ana@example.com")
    with TestClient(app, base_url="https://hotdash.example") as client:
        response = post_login(client, "ana@example.com")

    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("hotdash_session="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(
    anon_client: TestClient, sqlite_engine: Engine
) -> None:
    add_user(sqlite_engine, "ana@example.com")

    wrong_password = post_login(anon_client, "ana@example.com", "not the password at all")
    unknown_email = post_login(anon_client, "nobody@example.com", PASSWORD)

    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert WRONG in response.text
        assert "hotdash_session" not in response.headers.get("set-cookie", "")
        assert PASSWORD not in response.text
        assert "not the password at all" not in response.text
    assert anon_client.get("/api/v1/me").status_code == 401


def test_an_inactive_user_cannot_sign_in(anon_client: TestClient, sqlite_engine: Engine) -> None:
    add_user(sqlite_engine, "gone@example.com", active=False)

    response = post_login(anon_client, "gone@example.com")

    assert response.status_code == 400
    assert WRONG in response.text


def test_sign_in_without_the_form_token_is_refused(anon_client: TestClient, sqlite_engine: Engine) -> None:
    add_user(sqlite_engine, "ana@example.com")
    login_form_token(anon_client)

    # A hostile page can post the form, but cannot read the token the real form carries.
    forged = anon_client.post(
        "/login",
        data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": "guess"},
        follow_redirects=False,
    )

    assert forged.status_code == 400
    assert "sign-in form had expired" in forged.text
    assert anon_client.get("/api/v1/me").status_code == 401


def test_someone_signed_in_skips_the_sign_in_page(client: TestClient) -> None:
    response = client.get("/login?next=/settings/thresholds", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/settings/thresholds"


def test_a_session_expires_after_twelve_idle_hours(
    anon_client: TestClient, sqlite_engine: Engine, clock: FrozenClock
) -> None:
    add_user(sqlite_engine, "ana@example.com")
    sign_in(anon_client, "ana@example.com")

    clock.advance(timedelta(hours=11))
    assert anon_client.get("/api/v1/me").status_code == 200  # and this use slides the expiry
    clock.advance(timedelta(hours=11))
    assert anon_client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(hours=12, minutes=1))

    assert anon_client.get("/api/v1/me").status_code == 401
    page = anon_client.get("/settings/thresholds", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=")


def test_a_session_ends_seven_days_after_sign_in(
    anon_client: TestClient, sqlite_engine: Engine, clock: FrozenClock
) -> None:
    add_user(sqlite_engine, "ana@example.com")
    sign_in(anon_client, "ana@example.com")

    for _ in range(14):  # never 12 idle hours, up to 6 days 23:46
        clock.advance(timedelta(hours=11, minutes=59))
        assert anon_client.get("/api/v1/me").status_code == 200
    clock.advance(timedelta(minutes=15))

    assert clock.now() > T0 + timedelta(days=7)
    assert anon_client.get("/api/v1/me").status_code == 401


def test_changes_with_the_cookie_need_the_csrf_token(client_as: ClientAs) -> None:
    manager = client_as(Role.manager)
    csrf = csrf_of(manager)
    url = "/api/v1/thresholds/sales.flat_pct"

    missing = manager.put(url, json={"value": 7})
    wrong = manager.put(url, json={"value": 7}, headers={"X-CSRF-Token": csrf[:-1] + "x"})
    right = manager.put(url, json={"value": 7}, headers={"X-CSRF-Token": csrf})

    for refused in (missing, wrong):
        assert refused.status_code == 403
        error = assert_error_shape(refused.json(), "csrf_failed")
        assert "security token" in str(error["message"])
    assert right.status_code == 200
    assert right.json()["value"] == 7


def test_form_posts_need_the_csrf_token_field(client_as: ClientAs) -> None:
    manager = client_as(Role.manager)
    url = "/settings/thresholds/sales.flat_pct"

    refused = manager.post(url, data={"value": "7"}, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "security token" in refused.text

    accepted = manager.post(url, data={"value": "7", "csrf_token": csrf_of(manager)}, follow_redirects=False)
    assert accepted.status_code == 303


def test_sign_out_needs_the_csrf_token(client: TestClient) -> None:
    # Otherwise any page could sign a user out behind their back.
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/api/v1/me").status_code == 200


def test_an_api_token_signs_requests_in_without_csrf(api_token: ApiToken, anon_client: TestClient) -> None:
    token = api_token(Role.manager)

    info = anon_client.get("/api/v1/info", headers=bearer(token))
    me = anon_client.get("/api/v1/me", headers=bearer(token))
    change = anon_client.put("/api/v1/thresholds/sales.flat_pct", json={"value": 6}, headers=bearer(token))

    assert info.status_code == 200
    assert me.json()["signed_in_with"] == "token"
    assert me.json()["role"] == "manager"
    assert change.status_code == 200  # no ambient credentials, so no CSRF token needed


def test_a_revoked_or_unknown_token_gets_401(
    client_as: ClientAs, anon_client: TestClient, sqlite_engine: Engine
) -> None:
    admin = client_as(Role.admin)
    made = admin.post(
        "/api/v1/tokens", json={"name": "export"}, headers={"X-CSRF-Token": csrf_of(admin)}
    ).json()
    assert anon_client.get("/api/v1/info", headers=bearer(made["token"])).status_code == 200

    revoked = admin.delete(f"/api/v1/tokens/{made['id']}", headers={"X-CSRF-Token": csrf_of(admin)})
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None

    for token in (made["token"], "hd_not-a-real-token", "something-else"):
        response = anon_client.get("/api/v1/info", headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "does not work" in str(assert_error_shape(response.json(), "not_authenticated")["message"])


def test_a_bad_token_is_not_rescued_by_a_good_cookie(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers=bearer("hd_revoked-or-mistyped"))

    assert response.status_code == 401


def test_an_anonymous_api_call_gets_401_in_the_error_shape(anon_client: TestClient) -> None:
    response = anon_client.get("/api/v1/info")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in str(assert_error_shape(response.json(), "not_authenticated")["message"])


def test_an_htmx_request_is_told_to_load_the_sign_in_page(anon_client: TestClient) -> None:
    response = anon_client.get(
        "/partials/summary",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/data?store=2"},
        follow_redirects=False,
    )

    # A redirect would swap the sign-in page into the block; HX-Redirect makes htmx load it as a page.
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/login?next=%2Fdata%3Fstore%3D2"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
        "/ok\r\nSet-Cookie: x=1",
        "/login",
        "",
    ],
)
def test_sign_in_never_redirects_off_site(
    anon_client: TestClient, sqlite_engine: Engine, target: str
) -> None:
    add_user(sqlite_engine, "ana@example.com")

    response = post_login(anon_client, "ana@example.com", next=target)

    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_the_sign_in_page_drops_a_foreign_next(anon_client: TestClient) -> None:
    page = anon_client.get("/login", params={"next": "//evil.example"})

    assert 'name="next" value="/"' in page.text
    assert "evil.example" not in page.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/tiles/sales?window=7d#top", "/tiles/sales?window=7d#top"),
        ("/", "/"),
        (None, "/"),
        ("//evil.example", "/"),
        ("/" + "a" * 3000, "/"),
        ("/logout", "/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_five_failures_lock_the_email_for_fifteen_minutes(
    anon_client: TestClient, sqlite_engine: Engine, clock: FrozenClock
) -> None:
    add_user(sqlite_engine, "ana@example.com")
    for _ in range(5):
        assert post_login(anon_client, "ana@example.com", "a wrong password!").status_code == 400
        clock.advance(timedelta(minutes=1))

    locked = post_login(anon_client, "Ana@Example.com", PASSWORD)  # even the right password, in any case
    assert locked.status_code == 429
    # The fifth failure was at 09:04, so the lock lasts until 09:19; it is 09:05.
    assert "Too many failed sign-ins for this email. Try again in 14 minutes." in locked.text
    # The lock is per email: another account is not affected.
    add_user(sqlite_engine, "bo@example.com")
    assert post_login(anon_client, "bo@example.com").status_code == 303
    anon_client.cookies.clear()

    clock.advance(timedelta(minutes=13))
    assert post_login(anon_client, "ana@example.com", PASSWORD).status_code == 429
    clock.advance(timedelta(minutes=1))
    assert post_login(anon_client, "ana@example.com", PASSWORD).status_code == 303


def test_an_unknown_email_is_locked_like_a_real_one(anon_client: TestClient) -> None:
    for _ in range(5):
        post_login(anon_client, "nobody@example.com", "a wrong password!")

    # Otherwise the lockout itself would tell which emails have accounts.
    assert post_login(anon_client, "nobody@example.com", "a wrong password!").status_code == 429


def test_a_viewer_gets_an_html_403_page_and_a_json_403(client: TestClient) -> None:
    page = client.get("/audit")
    api = client.get("/api/v1/users")

    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "Managers and admins read the audit log." in page.text
    assert api.status_code == 403
    error = assert_error_shape(api.json(), "forbidden")
    assert error["message"] == "Only admins manage users and API tokens."
    assert error["details"] == {"required_role": "admin", "your_role": "viewer", "allowed_roles": ["admin"]}


def test_secrets_never_reach_logs_audit_or_responses(
    tmp_path: Path, sqlite_engine: Engine, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # SQL echo on: even the statements and their parameters must not carry a secret.
    app = create_app(Settings(database_url=sqlite_url, sql_echo=True))
    admin_password = "admin's long secret phrase"
    add_user(sqlite_engine, "boss@example.com", Role.admin, password=admin_password)
    new_password = "the new user's password!"
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG), TestClient(app) as client:
        texts.append(post_login(client, "boss@example.com", "a mistyped secret value").text)
        texts.append(post_login(client, admin_password, admin_password).text)  # password in the email field
        post_login(client, "boss@example.com", admin_password)
        csrf = csrf_of(client)
        created = client.post(
            "/api/v1/users",
            json={"email": "new@example.com", "name": "New", "role": "viewer", "password": new_password},
            headers={"X-CSRF-Token": csrf},
        )
        texts.append(created.text)
        weak = client.post(
            "/api/v1/users",
            json={"email": "weak@example.com", "name": "Weak", "role": "viewer", "password": "tiny secret"},
            headers={"X-CSRF-Token": csrf},
        )
        texts.append(weak.text)
        token = client.post("/api/v1/tokens", json={"name": "export"}, headers={"X-CSRF-Token": csrf}).json()
        texts.append(client.get("/api/v1/tokens").text)
        texts.append(client.get("/audit").text)
        client.get("/api/v1/info", headers=bearer(token["token"]))
    cookie_token = client.cookies["hotdash_session"]

    assert "SELECT" in caplog.text  # the SQL log was captured, so the checks below mean something
    with session_factory(sqlite_engine)() as session:
        audited = " ".join(f"{e.before} {e.after} {e.note}" for e in session.scalars(select(AuditEntry)))
    secrets = [
        admin_password,
        "a mistyped secret value",
        new_password,
        "tiny secret",
        token["token"],
        cookie_token,
    ]
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in audited
        assert all(secret not in text for text in texts)
    assert created.status_code == 201
    assert weak.status_code == 422


def test_tokens_made_by_the_cli_helper_work(anon_client: TestClient, sqlite_engine: Engine) -> None:
    add_user(sqlite_engine, "robot@example.com", Role.viewer)
    token = add_token(sqlite_engine, "robot@example.com")

    assert anon_client.get("/api/v1/thresholds", headers=bearer(token)).status_code == 200


def test_a_fresh_install_says_how_to_make_the_first_admin(
    anon_client: TestClient, sqlite_engine: Engine
) -> None:
    assert "Nobody has an account yet" in anon_client.get("/login").text
    assert "hotdash users create" in anon_client.get("/login").text

    add_user(sqlite_engine, "boss@example.com", Role.admin)

    assert "Nobody has an account yet" not in anon_client.get("/login").text
