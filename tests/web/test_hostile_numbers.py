"""Ids, offsets and stores of 2^63 or more are refused with a 4xx on every route, never a 500.

They used to pass validation as Python ints and fail in the database driver (OverflowError on SQLite): an
API fuzzer found six distinct 500s on about twenty routes. The routes are read from the app, so a new route
with an unbounded number is checked as soon as it exists.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from hotdash.auth.models import Role
from tests.auth.helpers import bearer
from tests.web.conftest import ApiToken

TOO_BIG = str(2**63)
LARGEST = str(2**63 - 1)
QUERIES = ("offset", "limit", "page", "store", "record_id", "store_id")


def _numbered_paths(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route with a number in its path, the number set to 2^63."""
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount) or not re.search(r"\{\w*id\}", route.path):
            continue
        for method in sorted(route.methods - {"HEAD"}):
            found.append(
                (method, re.sub(r"\{(\w*id)\}", TOO_BIG, re.sub(r"\{(?!\w*id\})[^}]+\}", "x", route.path)))
            )
    return found


def test_every_route_refuses_an_id_past_64_bits_with_a_4xx(
    app: FastAPI, anon_client: TestClient, api_token: ApiToken
) -> None:
    headers = bearer(api_token(Role.admin))
    paths = _numbered_paths(app)
    assert len(paths) >= 15, paths  # the check reaches the routes it is about
    answers = {
        (method, path): anon_client.request(method, path, headers=headers, json={}).status_code
        for method, path in paths
    }

    assert {key: status for key, status in answers.items() if status >= 500} == {}
    assert set(answers.values()) <= {404, 422}, answers


def test_every_get_route_refuses_query_numbers_past_64_bits(
    app: FastAPI, anon_client: TestClient, api_token: ApiToken
) -> None:
    headers = bearer(api_token(Role.admin))
    failures = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount) or "GET" not in route.methods or "{" in route.path:
            continue
        for name in QUERIES:
            status = anon_client.get(route.path, params={name: TOO_BIG}, headers=headers).status_code
            if status >= 500:
                failures.append(f"{status} GET {route.path}?{name}={TOO_BIG}")
    assert failures == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/v1/detections/{TOO_BIG}", 422),
        (f"/api/v1/detections/{LARGEST}", 404),
        (f"/api/v1/detections?offset={TOO_BIG}", 422),
        (f"/api/v1/detections?offset={LARGEST}", 200),
        (f"/records/order/{TOO_BIG}", 404),
        (f"/records/order/{LARGEST}", 404),
        (f"/api/v1/tiles?store={TOO_BIG}", 422),
    ],
)
def test_both_sides_of_the_64_bit_edge(
    anon_client: TestClient, api_token: ApiToken, path: str, status: int
) -> None:
    response = anon_client.get(path, headers={**bearer(api_token(Role.admin)), "accept": "application/json"})
    assert response.status_code == status, response.text
