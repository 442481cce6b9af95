"""A Shopify Admin API client: REST pages by the `Link` header, GraphQL, throttling and retries.

How Shopify behaves, and what this does about it:
- REST lists are cursor-paginated: the `Link` response header carries the URL of the next page
  (`rel="next"`, with a `page_info` parameter). That URL must be requested exactly as given; filters such as
  `updated_at_min` go on the first request only. No `Link` header (or no `next` in it) means the last page.
- REST throttling is a leaky bucket; a request over the limit gets 429 with `Retry-After` (seconds). The
  client waits that long and asks again; `X-Shopify-Shop-Api-Call-Limit` ("39/40") near full makes it pause
  before the bucket overflows.
- GraphQL throttling is by query cost: a throttled query answers with an error whose `extensions.code` is
  THROTTLED and `extensions.cost.throttleStatus` (`currentlyAvailable`, `restoreRate` points per second). The
  client waits until enough points are restored for the requested cost, then asks again.
- 5xx answers and dropped connections are retried with exponential backoff and jitter; 401 and 403 are never
  retried: the token is wrong or lacks a scope, and asking again cannot fix that.

The access token travels only in the `X-Shopify-Access-Token` header; no error message built here holds it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

Sleep = Callable[[float], None]
API_VERSION = "2026-07"


class ShopifyError(Exception):
    """Shopify could not be asked, or refused; the message says what to do and never holds the token."""


class ShopifyAuthError(ShopifyError):
    """401 or 403: the access token is wrong, revoked, or lacks a scope."""


class ShopifyUnavailable(ShopifyError):
    """Shopify kept failing (5xx, throttling, dropped connections) after every retry."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying: attempts per request, and the backoff between them."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    # Throttling is Shopify asking us to slow down, not failing: it gets more patience than errors do.
    throttled_attempts: int = 20


@dataclass(frozen=True)
class Page:
    """One page of a REST list: its records and the URL of the next page, if any."""

    records: list[dict[str, Any]]
    next_url: str | None


@dataclass
class ShopifyClient:
    """Talks to one shop's Admin API at `base_url` (e.g. https://shop.myshopify.com/admin/api/2026-07)."""

    base_url: str
    access_token: str = field(repr=False)
    sleep: Sleep = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 30.0
    waited: float = 0.0  # seconds spent waiting on throttling and backoff, for the sync's summary
    _http: httpx.Client | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url.rstrip("/") + "/",
                headers={
                    "X-Shopify-Access-Token": self.access_token,
                    "Accept": "application/json",
                    "User-Agent": "HotDash-sync",
                },
                timeout=self.timeout,
            )
        return self._http

    def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def _wait(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": at least half the step, so retries never hammer, and spread out so
        # many syncs that failed together do not retry together.
        step = min(self.policy.max_delay, self.policy.base_delay * 2.0**attempt)
        return step / 2 + self.rng.uniform(0, step / 2)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one request, waiting out throttling and retrying 5xx and dropped connections."""
        failures = throttles = 0
        what = f"{method} {httpx.URL(url).path or url}"
        while True:
            try:
                response = self.http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                failures += 1
                if failures >= self.policy.attempts:
                    raise ShopifyUnavailable(
                        f"Shopify could not be reached for {what} after {failures} attempts "
                        f"({type(exc).__name__}). Check the network and the shop's address, then run the "
                        "sync again: it resumes where it stopped."
                    ) from None
                self._wait(self._backoff(failures - 1))
                continue
            status = response.status_code
            if status == 429:
                throttles += 1
                if throttles >= self.policy.throttled_attempts:
                    raise ShopifyUnavailable(
                        f"Shopify kept throttling {what} ({throttles} times). Run the sync again later."
                    )
                self._wait(_retry_after(response) or self._backoff(throttles - 1))
                continue
            if status in (401, 403):
                raise ShopifyAuthError(_auth_message(status, what))
            if status >= 500:
                failures += 1
                if failures >= self.policy.attempts:
                    raise ShopifyUnavailable(
                        f"Shopify answered {status} to {what} {failures} times in a row. It is having "
                        "trouble; run the sync again later: it resumes where it stopped."
                    )
                self._wait(self._backoff(failures - 1))
                continue
            if status >= 400:
                raise ShopifyError(
                    f"Shopify refused {what} with {status}: {_error_text(response)}. This is a HotDash bug "
                    "or an API version Shopify no longer serves; check the source's api_version setting."
                )
            self._pause_if_bucket_full(response)
            return response

    def _pause_if_bucket_full(self, response: httpx.Response) -> None:
        used, _, limit = response.headers.get("X-Shopify-Shop-Api-Call-Limit", "").partition("/")
        if used.isdigit() and limit.isdigit() and int(limit) - int(used) <= 1:
            # One slot left: the bucket leaks at least a request a second on every plan.
            self._wait(1.0)

    def get_page(self, url: str, params: Mapping[str, str] | None = None) -> Page:
        """Return one REST page: `url` relative to the API root (first page) or the absolute next-page URL."""
        response = self.request("GET", url, params=params)
        body = response.json()
        records = next((value for value in body.values() if isinstance(value, list)), []) if body else []
        link = response.links.get("next")
        return Page(records=records, next_url=link.get("url") if link else None)

    def pages(self, path: str, params: Mapping[str, str]) -> Iterator[Page]:
        """Yield each page of a REST list: `params` on the first request, then the `Link` URLs as given."""
        page = self.get_page(path, params)
        yield page
        while page.next_url:
            page = self.get_page(page.next_url)
            yield page

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a GraphQL query; wait out THROTTLED answers by the cost Shopify reports. Return `data`."""
        throttles = 0
        while True:
            response = self.request(
                "POST", "graphql.json", json={"query": query, "variables": dict(variables or {})}
            )
            body: dict[str, Any] = response.json()
            cost = (body.get("extensions") or {}).get("cost") or {}
            errors = body.get("errors") or []
            if any(_is_throttled(error) for error in errors):
                throttles += 1
                if throttles >= self.policy.throttled_attempts:
                    raise ShopifyUnavailable(f"Shopify kept throttling a GraphQL query ({throttles} times).")
                self._wait(_restore_wait(cost) or self._backoff(throttles - 1))
                continue
            if errors:
                messages = "; ".join(str(error.get("message", error)) for error in errors)[:500]
                raise ShopifyError(f"Shopify refused a GraphQL query: {messages}")
            # Pace the next query: if this one's cost is not available again yet, wait until it is.
            self._wait_for_points(cost)
            data: dict[str, Any] = body.get("data") or {}
            return data

    def _wait_for_points(self, cost: Mapping[str, Any]) -> None:
        status = cost.get("throttleStatus") or {}
        needed = cost.get("actualQueryCost") or cost.get("requestedQueryCost")
        available, rate = status.get("currentlyAvailable"), status.get("restoreRate")
        if not (isinstance(needed, int | float) and isinstance(available, int | float)):
            return
        if isinstance(rate, int | float) and rate > 0 and available < needed:
            self._wait((needed - available) / float(rate))

    def graphql_nodes(
        self, query: str, connection: str, variables: Mapping[str, Any] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page of nodes of the top-level `connection`, following pageInfo.endCursor.

        The query takes `$after: String` and selects `pageInfo { hasNextPage endCursor }` and `nodes`.
        """
        after: str | None = None
        while True:
            data = self.graphql(query, {**dict(variables or {}), "after": after})
            found = data.get(connection) or {}
            yield list(found.get("nodes") or [])
            info = found.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            after = info.get("endCursor")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _is_throttled(error: Mapping[str, Any]) -> bool:
    code = (error.get("extensions") or {}).get("code")
    return code == "THROTTLED" or str(error.get("message", "")).lower() == "throttled"


def _restore_wait(cost: Mapping[str, Any]) -> float | None:
    status = cost.get("throttleStatus") or {}
    requested = cost.get("requestedQueryCost")
    available, rate = status.get("currentlyAvailable"), status.get("restoreRate")
    if not (isinstance(requested, int | float) and isinstance(available, int | float) and rate):
        return None
    return max((requested - available) / float(rate), 0.0) or None


def _auth_message(status: int, what: str) -> str:
    if status == 401:
        return (
            f"Shopify refused the access token (401 on {what}): it is wrong, revoked, or belongs to another "
            "shop. Set a valid Admin API access token with `hotdash sources set-secret <key> access_token`."
        )
    return (
        f"Shopify refused {what} with 403: the access token lacks a scope this sync needs (read_orders, "
        "read_products, read_customers, read_locations, read_inventory). Grant them to the app and set the "
        "new token with `hotdash sources set-secret <key> access_token`."
    )


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:300]
    errors = body.get("errors", body) if isinstance(body, dict) else body
    return json.dumps(errors)[:300]
