"""The data overview page (/data): what is loaded, in the store's own timezone, safe from hostile data."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

AddShop = Callable[..., None]


def count_shown(html: str, entity: str) -> str:
    """Return the row count the page shows for one entity (table name)."""
    match = re.search(rf'data-entity="{entity}">([^<]*)<', html)
    assert match, f"no count shown for {entity}"
    return match.group(1)


def test_empty_database_shows_how_to_get_data(client: TestClient) -> None:
    response = client.get("/data")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "No data yet" in response.text
    assert "<code>hotdash demo</code>" in response.text
    assert "import data" in response.text
    assert "data-entity=" not in response.text  # no table of zeros


def test_overview_shows_counts_store_and_date_range_in_store_time(
    client: TestClient, add_shop: AddShop
) -> None:
    add_shop(name="Northwind Outfitters", currency="EUR", timezone="Europe/Berlin", orders=2)

    html = client.get("/data").text

    assert "No data yet" not in html
    assert count_shown(html, "orders") == "2"
    assert count_shown(html, "tickets") == "1"
    assert count_shown(html, "stores") == "1"
    assert count_shown(html, "order_lines") == "0"
    assert "<td>Northwind Outfitters</td><td>EUR</td><td>Europe/Berlin</td>" in html
    # The first order was placed 23:30 UTC on 2 March: midnight has passed in Berlin.
    assert "2026-03-03 00:30 CET" in html
    assert "Times in Europe/Berlin" in html


def test_counts_are_grouped_for_reading(client: TestClient, add_shop: AddShop) -> None:
    add_shop(orders=1234)

    assert count_shown(client.get("/data").text, "orders") == "1,234"


def test_store_name_with_markup_is_shown_as_text(client: TestClient, add_shop: AddShop) -> None:
    add_shop(name="<script>alert('pwned')</script> Outlet")

    html = client.get("/data").text

    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; Outlet" in html


def test_page_uses_the_shared_layout_and_vendored_htmx(client: TestClient) -> None:
    html = client.get("/data").text

    assert '<a class="brand" href="/">HotDash</a>' in html
    assert '<nav class="mainnav" aria-label="Main">' in html
    assert '<script src="/static/vendor/htmx.min.js"' in html
    assert '<link rel="stylesheet" href="/static/hotdash.css">' in html
    assert "https://" not in html  # nothing is loaded from a CDN


def test_summary_refreshes_itself_with_fresh_numbers(client: TestClient, add_shop: AddShop) -> None:
    page = client.get("/data").text
    assert 'hx-get="/partials/summary"' in page
    assert 'hx-trigger="every 30s"' in page
    assert 'hx-swap="outerHTML"' in page

    add_shop(orders=3)  # data arrives while the page is open
    partial = client.get("/partials/summary")

    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<section id="summary"')
    assert "<html" not in partial.text
    # The swapped-in block keeps polling, and shows the new data.
    assert 'hx-trigger="every 30s"' in partial.text
    assert count_shown(partial.text, "orders") == "3"


def test_unmigrated_database_says_what_to_run(bare_client: TestClient) -> None:
    response = bare_client.get("/data")

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "has not been set up yet" in response.text
    assert "hotdash db upgrade" in response.text
    assert "Traceback" not in response.text


def test_unknown_page_answers_with_the_error_shape(client: TestClient) -> None:
    response = client.get("/no-such-page")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "/no-such-page" in error["message"]
    assert error["details"] == {}
