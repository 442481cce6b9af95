"""The interactive API docs work on a machine with no internet: every file they load comes from HotDash."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotdash.auth.models import Role
from tests.auth.helpers import bearer
from tests.web.conftest import ApiToken
from tests.web.test_api import assert_error_shape

# Every URL the page makes the browser load: <link href>, <script src>, <img src>, ...
ATTRIBUTE_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
# The schema Swagger UI fetches, from `SwaggerUIBundle({url: '...'})`.
SCHEMA_URL = re.compile(r"""\burl:\s*'([^']*)'""")

EXPECTED_TYPES = {
    ".js": "javascript",
    ".css": "text/css",
    ".png": "image/png",
}


def loaded_urls(html: str) -> list[str]:
    urls = ATTRIBUTE_URL.findall(html)
    assert urls, "the docs page loads nothing: the regex or the page changed"
    return urls


def test_docs_page_names_no_other_host(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for url in loaded_urls(response.text):
        parts = urlsplit(url)
        assert not parts.scheme, f"{url} names a scheme"
        assert not parts.netloc, f"{url} names a host"
    # Not in an attribute either: no CDN, no validator badge, nothing a browser could fetch from elsewhere.
    assert "http://" not in response.text
    assert "https://" not in response.text


def test_files_the_docs_page_loads_are_served(client: TestClient) -> None:
    html = client.get("/docs").text
    urls = loaded_urls(html)

    assert {url.rsplit("/", 1)[-1] for url in urls} == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon-32x32.png",
    }
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert EXPECTED_TYPES[suffix] in response.headers["content-type"], url
    bundle = next(url for url in urls if url.endswith(".js"))
    # The page calls SwaggerUIBundle(...); the served script must be what defines it.
    assert "SwaggerUIBundle" in client.get(bundle).text


def test_docs_page_points_at_the_schema_and_the_schema_lists_the_api(client: TestClient) -> None:
    match = SCHEMA_URL.search(client.get("/docs").text)
    assert match, "the docs page does not name its OpenAPI schema"

    response = client.get(match.group(1))

    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/info" in schema["paths"]
    # The doc pages themselves are not API endpoints.
    assert not any(path.startswith(("/docs", "/redoc")) for path in schema["paths"])


def test_docs_page_behind_a_proxy_uses_the_proxy_prefix(app: FastAPI, api_token: ApiToken) -> None:
    with TestClient(app, root_path="/hotdash", headers=bearer(api_token(Role.viewer))) as proxied:
        html = proxied.get("/docs").text

        for url in loaded_urls(html):
            assert url.startswith("/hotdash/static/vendor/swagger-ui/"), url
            assert proxied.get(url).status_code == 200, url
    match = SCHEMA_URL.search(html)
    assert match
    assert match.group(1) == "/hotdash/openapi.json"


def test_docs_need_a_signed_in_user_and_so_a_database(bare_client: TestClient) -> None:
    # The docs describe the API, so they are behind sign-in like it; signing in needs the user tables.
    for path in ("/docs", "/openapi.json"):
        response = bare_client.get(path)
        assert response.status_code == 503, path
        assert "hotdash db upgrade" in str(
            assert_error_shape(response.json(), "schema_not_migrated")["message"]
        )


def test_oauth2_redirect_page_for_swagger_ui_is_served(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "swaggerUIRedirectOauth2" in response.text


def test_redoc_is_not_offered_and_says_so_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/redoc")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    error = assert_error_shape(response.json(), "not_found")
    assert "/redoc" in str(error["message"])
