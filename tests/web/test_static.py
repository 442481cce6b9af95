"""Front-end libraries are served by HotDash itself, with their licences, at the versions documented."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hotdash.web.templating import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"


@pytest.mark.parametrize(
    ("name", "version_pattern"),
    [
        ("htmx.min.js", r'version:"(2\.\d+\.\d+)"'),
        ("echarts.min.js", r'version="([56]\.\d+\.\d+)"'),
    ],
)
def test_vendored_library_is_served_at_its_documented_version(
    client: TestClient, name: str, version_pattern: str
) -> None:
    response = client.get(f"/static/vendor/{name}")

    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    match = re.search(version_pattern, response.text)
    assert match, f"{name} does not carry a version of the expected major"
    # The README is what a reviewer reads to know what ships; it must name the version actually served.
    assert match.group(1) in (VENDOR / "README.md").read_text()


@pytest.mark.parametrize(
    "licence", ["htmx.LICENSE", "echarts.LICENSE", "echarts.NOTICE", "echarts.LICENSE-d3"]
)
def test_licences_ship_with_the_libraries(licence: str) -> None:
    assert (VENDOR / licence).stat().st_size > 0


def test_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/hotdash.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
