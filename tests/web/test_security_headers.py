"""Every response carries the security headers; signed-in pages are never cached; static files still are."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _assert_protected(response_headers: dict[str, str] | object, *, cached: bool) -> None:
    headers = dict(response_headers)  # type: ignore[call-overload]
    lowered = {key.lower(): value for key, value in headers.items()}
    assert lowered["x-content-type-options"] == "nosniff"
    assert lowered["referrer-policy"] == "same-origin"
    assert lowered["x-frame-options"] == "DENY"
    if cached:
        assert "no-store" not in lowered.get("cache-control", "")
    else:
        assert lowered["cache-control"] == "no-store"


def test_signed_in_pages_api_and_errors_carry_the_policy_and_are_not_cached(client: TestClient) -> None:
    for path in ("/", "/api/v1/tiles", "/detections", "/settings/thresholds", "/no/such/page"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert response.headers["content-security-policy"] == POLICY, path
        _assert_protected(response.headers, cached=False)


def test_the_sign_in_page_is_protected_too(anon_client: TestClient) -> None:
    response = anon_client.get("/login")

    assert response.status_code == 200
    assert response.headers["content-security-policy"] == POLICY
    _assert_protected(response.headers, cached=False)


def test_static_files_keep_their_caching(client: TestClient) -> None:
    response = client.get("/static/hotdash.css")

    assert response.status_code == 200
    assert response.headers["content-security-policy"] == POLICY
    _assert_protected(response.headers, cached=True)


def test_the_api_docs_allow_exactly_their_own_start_up_script(client: TestClient) -> None:
    for path in ("/docs", "/docs/oauth2-redirect"):
        response = client.get(path)
        scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
        assert len(scripts) == 1, path
        digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
        expected = POLICY.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'")
        assert response.headers["content-security-policy"] == expected, path
        _assert_protected(response.headers, cached=False)
