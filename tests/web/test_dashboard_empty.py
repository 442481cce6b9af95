"""The dashboard before any data is loaded: the manager is sent to the page that says how to load some."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_today_without_any_store_goes_to_the_data_page(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/data"
    assert "No data yet" in client.get("/").text


def test_tile_page_without_any_store_says_there_is_no_data(client: TestClient) -> None:
    response = client.get("/tiles/sales")

    assert response.status_code == 404
    assert "No data yet" in response.text
    assert "hotdash demo" in response.text
