"""Every route limits the body it reads, before sign-in: an anonymous giant body costs the server nothing.

Three anonymous 200 MiB JSON bodies used to take the server to 1.8 GB (1.4 GB still held afterwards), and a
1 GiB form posted to /login was spooled to disk before anything looked at it.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from hotdash.app import create_app
from hotdash.auth.models import Role
from hotdash.settings import Settings
from tests.auth.helpers import bearer
from tests.loopback import serving
from tests.web.conftest import AddShop, ApiToken
from tests.web.test_api import assert_error_shape

MESSAGE = "The request body is larger than the 1 MB HotDash accepts here (HOTDASH_REQUEST_MAX_BYTES)."
MIB = 1024 * 1024


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("path", ["/api/v1/rules", "/api/v1/users", "/api/v1/detections/1/notes"])
def test_an_anonymous_oversized_json_body_is_a_413_not_a_401(anon_client: TestClient, path: str) -> None:
    response = anon_client.post(
        path, content=b"{" + b" " * (2 * MIB) + b"}", headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    error = assert_error_shape(response.json(), "payload_too_large")
    assert error["message"] == MESSAGE
    assert error["details"] == {"limit_bytes": MIB}


def test_a_chunked_oversized_form_to_the_sign_in_page_is_refused_too(anon_client: TestClient) -> None:
    # No Content-Length: the bytes are counted as they arrive.
    response = anon_client.post(
        "/login",
        content=_chunks(3 * MIB),
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
    )

    assert response.status_code == 413
    assert "larger than the 1 MB HotDash accepts here" in response.text


def test_a_body_at_the_limit_is_read_as_usual(anon_client: TestClient, api_token: ApiToken) -> None:
    # Exactly 1 MiB of JSON reaches the handler, which answers on its merits (422: not a rule).
    body = b'{"key": "' + b"x" * (MIB - 11) + b'"}'
    assert len(body) == MIB
    headers = {"content-type": "application/json", **bearer(api_token(Role.manager))}
    response = anon_client.post("/api/v1/rules/check", content=body, headers=headers)

    assert response.status_code == 422
    one_more = anon_client.post("/api/v1/rules/check", content=body + b" ", headers=headers)
    assert one_more.status_code == 413


def test_three_anonymous_giant_bodies_leave_the_servers_memory_flat(
    sqlite_url: str, sqlite_engine: object
) -> None:
    tracemalloc.start()
    try:
        with serving(create_app(Settings(database_url=sqlite_url))) as url:
            tracemalloc.reset_peak()
            statuses = []
            for _ in range(3):
                with httpx.Client(base_url=url, timeout=30) as http:
                    try:
                        response = http.post(
                            "/api/v1/rules",
                            content=_chunks(200 * MIB),
                            headers={"content-type": "application/json"},
                        )
                        statuses.append(response.status_code)
                    except httpx.HTTPError:
                        # The server may close the connection once it has answered, while the client sends.
                        statuses.append(413)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert statuses == [413, 413, 413]
    # Client and server together held a few chunks at a time, never the bodies.
    assert peak < 16 * MIB, f"peak traced memory {peak / MIB:.1f} MiB"


def test_routes_with_a_limit_of_their_own_keep_it(
    anon_client: TestClient, api_token: ApiToken, add_shop: AddShop
) -> None:
    # A 2 MB upload passes the upload route's own 256 MB limit, where the default 1 MB would refuse it.
    add_shop()
    moment = "2026-01-01T00:00:00Z"
    rows = "".join(f"c{n},c{n}@example.com,Customer {n},{moment},{moment}\n" for n in range(40_000))
    body = ("external_id,email,name,created_at,updated_at\n" + rows).encode()
    assert len(body) > 2 * MIB
    response = anon_client.post(
        "/api/v1/imports/customers",
        files={"file": ("many.csv", body, "text/csv")},
        headers=bearer(api_token(Role.operator)),
    )

    assert response.status_code == 200, response.text
    assert (response.json()["inserted"], response.json()["rejected"]) == (40_000, 0)
