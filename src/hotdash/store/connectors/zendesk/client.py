"""A small client for Zendesk's cursor-based incremental ticket export.

`GET /api/v2/incremental/tickets/cursor.json` starts at `start_time` (Unix seconds) and continues with the
`cursor` each page returns in `after_cursor`, until a page says `end_of_stream`. Zendesk allows 10 export
requests a minute and answers 429 with `Retry-After` beyond that; the client waits as told. Credentials are an
agent's email with an API token (basic auth as `{email}/token`) or an OAuth access token (bearer).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
SIDE_LOADS = "users,metric_sets"  # requesters' emails, agents' names, reply and resolution times

Sleep = Callable[[float], None]


class ZendeskError(Exception):
    """The export could not go on; the message names what to do and never holds a credential."""


class ZendeskAuthError(ZendeskError):
    """Zendesk refused the credentials."""


@dataclass
class ZendeskClient:
    """Fetches export pages, waiting out rate limits and retrying brief outages."""

    base_url: str
    email: str | None = None
    api_token: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    sleep: Sleep = time.sleep
    attempts: int = 5
    timeout: float = 30.0
    waited: float = 0.0
    _http: httpx.Client | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> ZendeskClient:
        if self.access_token:
            auth: httpx.Auth | None = None
            headers = {"Authorization": f"Bearer {self.access_token}"}
        elif self.email and self.api_token:
            auth, headers = httpx.BasicAuth(f"{self.email}/token", self.api_token), {}
        else:
            raise ZendeskError("no Zendesk credentials: set the api_token secret and email setting")
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/"), auth=auth, headers=headers, timeout=self.timeout
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def export(
        self, *, start_time: int | None = None, cursor: str | None = None
    ) -> Iterator[Mapping[str, Any]]:
        """Yield every export page from `cursor` (or `start_time`) to the end of the stream."""
        params: dict[str, str] = {"include": SIDE_LOADS}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = str(start_time or 0)
        while True:
            page = self._get(EXPORT_PATH, params)
            yield page
            after = page.get("after_cursor")
            if page.get("end_of_stream") or not after:
                return
            params = {"include": SIDE_LOADS, "cursor": str(after)}

    def _get(self, path: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        assert self._http is not None, "use the client in a with block"
        for attempt in range(1, self.attempts + 1):
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as exc:
                if attempt == self.attempts:
                    raise ZendeskError(f"Zendesk could not be reached ({type(exc).__name__})") from None
                self._wait(2.0**attempt)
                continue
            if response.status_code in (401, 403):
                raise ZendeskAuthError(
                    f"Zendesk refused the credentials (HTTP {response.status_code}): check the email setting "
                    "and the api_token secret, and that the token is active"
                )
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == self.attempts:
                    raise ZendeskError(f"Zendesk kept answering HTTP {response.status_code}; try again later")
                self._wait(_retry_after(response, default=2.0**attempt))
                continue
            if response.status_code != 200:
                raise ZendeskError(f"Zendesk answered HTTP {response.status_code} to the ticket export")
            body = response.json()
            if not isinstance(body, dict):
                raise ZendeskError("Zendesk's export answer is not a JSON object")
            return body
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _wait(self, seconds: float) -> None:
        self.waited += seconds
        self.sleep(seconds)


def _retry_after(response: httpx.Response, *, default: float) -> float:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return default
