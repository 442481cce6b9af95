"""The Shopify client against a real HTTP server on loopback replaying recorded payloads.

Waits are measured with a recorded sleep function: the client asks it to wait, and the test reads how long.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

import pytest

from hotdash.store.connectors.shopify.client import (
    RetryPolicy,
    ShopifyAuthError,
    ShopifyClient,
    ShopifyUnavailable,
)
from tests.store.connectors.shopify.replay_shop import TOKEN, Fault, ReplayShop, recorded_records


@pytest.fixture
def shop() -> Iterator[ReplayShop]:
    yield from ReplayShop().serve()


class RecordedSleep:
    """Stands in for time.sleep: remembers each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_for(
    shop: ReplayShop, sleep: RecordedSleep, token: str = TOKEN, attempts: int = 6
) -> ShopifyClient:
    return ShopifyClient(
        base_url=shop.base_url,
        access_token=token,
        sleep=sleep,
        rng=random.Random(1),
        policy=RetryPolicy(attempts=attempts),
    )


def all_ids(client: ShopifyClient, resource: str, limit: int = 1) -> list[str]:
    ids = []
    for page in client.pages(f"{resource}.json", {"limit": str(limit), "order": "updated_at asc"}):
        ids += [str(record["id"]) for record in page.records]
    return ids


def test_pages_are_followed_by_their_link_headers_to_the_last(shop: ReplayShop) -> None:
    expected = [str(record["id"]) for record in recorded_records("customers")]
    assert len(expected) >= 3, "the fixtures must give several pages"
    sleep = RecordedSleep()
    with client_for(shop, sleep) as client:
        assert all_ids(client, "customers") == expected
    requests = shop.list_requests("customers")
    assert len(requests) == math.ceil(len(expected) / 1)
    # The first request carries the filters; every later one only the Link URL's own limit and page_info.
    assert "page_info" not in requests[0].query
    assert all(set(r.query) == {"limit", "page_info"} for r in requests[1:])
    assert sleep.waits == []


def test_a_429_is_waited_out_for_as_long_as_retry_after_says(shop: ReplayShop) -> None:
    shop.faults.append(
        Fault(
            "customers",
            429,
            {"errors": "Exceeded 2 calls per second for api client."},
            {"Retry-After": "2.5"},
        )
    )
    sleep = RecordedSleep()
    with client_for(shop, sleep) as client:
        ids = all_ids(client, "customers")
    assert ids == [str(record["id"]) for record in recorded_records("customers")]
    assert sleep.waits == [2.5]
    assert client.waited == 2.5


def test_a_500_is_retried_after_a_jittered_backoff_and_then_succeeds(shop: ReplayShop) -> None:
    shop.faults.append(Fault("products", 500, {"errors": "Internal Server Error"}, times=2))
    sleep = RecordedSleep()
    with client_for(shop, sleep) as client:
        ids = all_ids(client, "products")
    assert ids == [str(record["id"]) for record in recorded_records("products")]
    # Base 1 s doubling, with "equal jitter": between half the step and the whole step.
    assert len(sleep.waits) == 2
    assert 0.5 <= sleep.waits[0] <= 1.0
    assert 1.0 <= sleep.waits[1] <= 2.0
    assert sleep.waits[0] != 0.5 or sleep.waits[1] != 1.0, "the waits carry jitter"


def test_a_401_is_a_clear_error_at_once_without_the_token(shop: ReplayShop) -> None:
    sleep = RecordedSleep()
    wrong = "shpat_ffffffffffffffffffffffffffff1234"
    with client_for(shop, sleep, token=wrong) as client, pytest.raises(ShopifyAuthError) as raised:
        all_ids(client, "orders")
    message = str(raised.value)
    for words in ("401", "access token", "set-secret"):
        assert words in message
    assert wrong not in message
    assert "1234" not in message
    assert len(shop.seen) == 1, "a refused token is not retried"
    assert sleep.waits == []


def test_a_403_names_the_scopes_the_sync_needs(shop: ReplayShop) -> None:
    shop.faults.append(Fault("orders", 403, {"errors": "[API] This action requires merchant approval"}))
    with client_for(shop, RecordedSleep()) as client, pytest.raises(ShopifyAuthError, match="read_orders"):
        all_ids(client, "orders")


def test_a_server_that_stays_down_gives_up_after_the_attempts(shop: ReplayShop) -> None:
    shop.down_after_pages = 1
    sleep = RecordedSleep()
    with client_for(shop, sleep, attempts=4) as client, pytest.raises(ShopifyUnavailable) as raised:
        all_ids(client, "customers")
    assert "resumes where it stopped" in str(raised.value)
    assert len(sleep.waits) == 3
    assert len(shop.list_requests("customers")) == 1 + 4


THROTTLED = {
    "errors": [
        {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
    ],
    "extensions": {
        "cost": {
            "requestedQueryCost": 110,
            "actualQueryCost": None,
            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 10, "restoreRate": 100.0},
        }
    },
}


def answer(nodes: list[dict[str, str]], has_next: bool, available: float) -> dict[str, object]:
    return {
        "data": {"orders": {"nodes": nodes, "pageInfo": {"hasNextPage": has_next, "endCursor": "c1"}}},
        "extensions": {
            "cost": {
                "requestedQueryCost": 110,
                "actualQueryCost": 60,
                "throttleStatus": {
                    "maximumAvailable": 2000.0,
                    "currentlyAvailable": available,
                    "restoreRate": 100.0,
                },
            }
        },
    }


def test_a_throttled_graphql_query_waits_until_its_cost_is_restored(shop: ReplayShop) -> None:
    shop.graphql_answers += [
        THROTTLED,
        answer([{"id": "gid://shopify/Order/1"}], True, available=1940),
        # Only 30 points left after this page: the next query (cost 60) waits for 30 points at 100/s.
        answer([{"id": "gid://shopify/Order/2"}], False, available=30),
    ]
    sleep = RecordedSleep()
    query = (
        "query($after: String) { orders(first: 50, after: $after) "
        "{ nodes { id } pageInfo { hasNextPage endCursor } } }"
    )
    with client_for(shop, sleep) as client:
        pages = list(client.graphql_nodes(query, "orders"))
    assert [[node["id"] for node in page] for page in pages] == [
        ["gid://shopify/Order/1"],
        ["gid://shopify/Order/2"],
    ]
    # (110 requested - 10 available) / 100 per second = 1 s; then (60 - 30) / 100 = 0.3 s.
    assert sleep.waits == pytest.approx([1.0, 0.3])
