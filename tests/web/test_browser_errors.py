"""A person's browser gets an error page, not raw JSON; programs keep the JSON error shape."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotdash.store import service as store_service
from tests.web.test_api import assert_error_shape

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_an_unknown_page_is_a_page_that_names_it(client: TestClient) -> None:
    response = client.get("/no/such/page", headers=BROWSER)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in response.text
    assert "Nothing here: /no/such/page is not a page or API endpoint of HotDash." in response.text
    # The page is a whole page of the app, with its navigation, for the signed-in person.
    assert 'href="/detections"' in response.text


def test_a_bad_query_on_a_page_is_a_page_saying_what_is_wrong(client: TestClient) -> None:
    response = client.get("/detections?page=abc", headers=BROWSER)

    assert response.status_code == 422
    assert "<h1>Not valid</h1>" in response.text
    assert "The request is not valid: query.page: Input should be a valid integer" in response.text


def test_a_wrong_method_on_a_page_is_a_page_that_keeps_allow(client: TestClient) -> None:
    response = client.put("/detections", headers=BROWSER)

    assert response.status_code == 405
    assert "<h1>Not allowed here</h1>" in response.text
    assert "PUT is not allowed on /detections." in response.text
    assert response.headers["allow"] == "GET"


def test_a_server_error_on_a_page_is_a_page_without_the_traceback(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> object:
        raise RuntimeError("secret table name in a traceback")

    monkeypatch.setattr(store_service, "dataset_summary", broken)
    with TestClient(app, raise_server_exceptions=False, cookies=client.cookies) as browser:
        response = browser.get("/data", headers=BROWSER)

    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.text
    assert "The error was logged" in response.text
    assert "secret table name" not in response.text


@pytest.mark.parametrize("path", ["/api/v1/no/such", "/no/such/page"])
def test_programs_still_get_the_json_shape(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"accept": "application/json"})

    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_an_api_path_answers_json_even_to_a_browser(client: TestClient) -> None:
    response = client.get("/api/v1/detections?offset=-1", headers=BROWSER)

    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_error")
