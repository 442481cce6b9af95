"""Front-end libraries are served by HotDash itself, with their licences, at the versions documented."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from hotdash.kernel.http.pages import STATIC_DIR

VENDOR = STATIC_DIR / "vendor"


@pytest.mark.parametrize(
    ("name", "version_pattern"),
    [
        ("htmx.min.js", r'version:"(2\.\d+\.\d+)"'),
        ("echarts.min.js", r'version="([56]\.\d+\.\d+)"'),
        ("swagger-ui/swagger-ui-bundle.js", r'PACKAGE_VERSION:"(5\.\d+\.\d+)"'),
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
    "licence",
    [
        "htmx.LICENSE",
        "echarts.LICENSE",
        "echarts.NOTICE",
        "echarts.LICENSE-d3",
        "swagger-ui/LICENSE",
        "swagger-ui/NOTICE",
        "swagger-ui/swagger-ui-bundle.js.LICENSE.txt",
    ],
)
def test_licences_ship_with_the_libraries(licence: str) -> None:
    assert (VENDOR / licence).stat().st_size > 0


def test_readme_checksums_are_those_of_the_files_shipped() -> None:
    readme = (VENDOR / "README.md").read_text()
    listed = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)}
    shipped = {
        path.relative_to(VENDOR).as_posix()
        for path in VENDOR.rglob("*")
        if path.suffix in {".js", ".css", ".png"}
    }

    # A file updated without its README entry, or shipped without one, is a file nobody reviewed.
    assert set(listed) == shipped
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/hotdash.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
