"""A local Shopify Admin API on loopback that replays the recorded payloads in /work/shared/fixtures/shopify.

It is a real HTTP server in a thread, speaking the parts of Shopify's protocol the sync relies on: REST lists
filtered by `updated_at_min` and `updated_at_max` (both inclusive), served in the order of `records` (sorted
by updated_at unless a test reorders them), cut into pages of `limit` records linked by `Link` headers with
an opaque `page_info`. A next-page URL carries only `limit` and `page_info`; other filters beside `page_info`
are refused, and so are links from before `page_info_generation` changed. Also the `X-Shopify-Access-Token`
header (401 when wrong), the call-limit header, and GraphQL answers from a script. Faults are scripted: an
answer with any status and headers for the next matching request, or the server going down (connections
dropped) after N pages.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path("/work/shared/fixtures/shopify")
API_ROOT = "/admin/api/2026-07"
TOKEN = "shpat_0123456789abcdef0123456789abcdef"
INVALID_TOKEN_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}

# resource -> (recorded response file in admin-2026-07, older single-page file, key of the list in a body)
_SOURCES = {
    "locations": ("location_responses.json", "locations.json", "locations"),
    "products": ("product_responses.json", "products.json", "products"),
    "customers": ("customer_responses.json", "customer.json", "customers"),
    "orders": ("order_responses.json", "orders.json", "orders"),
    "inventory_levels": ("inventory_level_responses.json", "inventory_levels.json", "inventory_levels"),
}


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _identity(resource: str, record: dict[str, Any]) -> str:
    if resource == "inventory_levels":
        return f"{record['inventory_item_id']}@{record['location_id']}"
    return str(record["id"])


def recorded_records(resource: str) -> list[dict[str, Any]]:
    """Return every distinct recorded record of `resource` with an updated_at, fullest version of each."""
    responses_file, single_file, key = _SOURCES[resource]
    found: list[dict[str, Any]] = []
    for response in json.loads((FIXTURES / "admin-2026-07" / responses_file).read_text()):
        found += response.get(key, []) if isinstance(response, dict) else []
    single = json.loads((FIXTURES / single_file).read_text())
    if isinstance(single, list):
        found += single
    elif key in single:
        found += single[key]
    else:
        found += [next(iter(single.values()))]
    fullest: dict[str, dict[str, Any]] = {}
    for record in found:
        if "updated_at" not in record or not record.get("updated_at"):
            continue
        ident = _identity(resource, record)
        if ident not in fullest or len(record) > len(fullest[ident]):
            fullest[ident] = record
    return sorted(fullest.values(), key=lambda r: (_moment(r["updated_at"]), _identity(resource, r)))


@dataclass
class Fault:
    """A scripted answer for the next `times` requests whose path contains `match`."""

    match: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class Seen:
    """One request the shop received."""

    method: str
    path: str
    query: dict[str, str]
    token: str | None


@dataclass
class ReplayShop:
    """The shop's data and scripted behaviour; `serve()` runs it on a free loopback port."""

    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {resource: recorded_records(resource) for resource in _SOURCES}
    )
    token: str = TOKEN
    faults: list[Fault] = field(default_factory=list)
    graphql_answers: list[dict[str, Any]] = field(default_factory=list)
    down_after_pages: int | None = None  # after this many list pages, every connection is dropped
    # page_info links of an older generation are refused, as Shopify refuses links that are no longer valid
    page_info_generation: int = 0
    seen: list[Seen] = field(default_factory=list)
    pages_served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def list_requests(self, resource: str) -> list[Seen]:
        """Return the GET requests made for `resource`, in order."""
        return [s for s in self.seen if s.method == "GET" and s.path == f"{API_ROOT}/{resource}.json"]

    def serve(self) -> Iterator[ReplayShop]:
        """Run the server in a thread until the generator is closed (use as a fixture body)."""
        shop = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                shop._handle(self, "GET")

            def do_POST(self) -> None:
                shop._handle(self, "POST")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}{API_ROOT}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    # The protocol

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self.lock:
            self.seen.append(Seen(method, parts.path, query, handler.headers.get("X-Shopify-Access-Token")))
            if self.down_after_pages is not None and self.pages_served >= self.down_after_pages:
                # The server is gone: the connection closes without an answer.
                handler.close_connection = True
                return
            fault = next((f for f in self.faults if f.match in parts.path and f.times > 0), None)
            if fault is not None:
                fault.times -= 1
                self._send(handler, fault.status, fault.body, fault.headers)
                return
        if handler.headers.get("X-Shopify-Access-Token") != self.token:
            self._send(handler, 401, INVALID_TOKEN_BODY)
            return
        if method == "POST" and parts.path == f"{API_ROOT}/graphql.json":
            json.loads(body or b"{}")
            with self.lock:
                answer = self.graphql_answers.pop(0) if self.graphql_answers else {"data": {}}
            self._send(handler, 200, answer)
            return
        resource = parts.path.removeprefix(f"{API_ROOT}/").removesuffix(".json")
        if method != "GET" or resource not in self.records:
            self._send(handler, 404, {"errors": "Not Found"})
            return
        self._list(handler, resource, query)

    def _list(self, handler: BaseHTTPRequestHandler, resource: str, query: dict[str, str]) -> None:
        limit = int(query.get("limit", "50"))
        if "page_info" in query:
            extra = set(query) - {"page_info", "limit", "fields"}
            if extra:
                self._send(
                    handler, 400, {"errors": {"page_info": f"cannot be combined with {sorted(extra)}"}}
                )
                return
            state = json.loads(base64.urlsafe_b64decode(query["page_info"]))
            if state.get("generation") != self.page_info_generation:
                self._send(handler, 400, {"errors": {"page_info": "Invalid value."}})
                return
            filters, offset = state["filters"], state["offset"]
        else:
            filters = {
                k: v for k, v in query.items() if k in ("updated_at_min", "updated_at_max", "location_ids")
            }
            offset = 0
        rows = self.records[resource]
        if "updated_at_min" in filters:
            floor = _moment(filters["updated_at_min"])
            rows = [r for r in rows if _moment(r["updated_at"]) >= floor]
        if "updated_at_max" in filters:
            ceiling = _moment(filters["updated_at_max"])
            rows = [r for r in rows if _moment(r["updated_at"]) <= ceiling]
        if "location_ids" in filters:
            wanted = set(filters["location_ids"].split(","))
            rows = [r for r in rows if str(r["location_id"]) in wanted]
        page = rows[offset : offset + limit]
        links = []
        if offset > 0:
            links.append(self._link(resource, filters, max(offset - limit, 0), limit, "previous"))
        if offset + limit < len(rows):
            links.append(self._link(resource, filters, offset + limit, limit, "next"))
        headers = {"X-Shopify-Shop-Api-Call-Limit": "1/40"}
        if links:
            headers["Link"] = ", ".join(links)
        with self.lock:
            self.pages_served += 1
        self._send(handler, 200, {resource: page}, headers)

    def _link(self, resource: str, filters: dict[str, str], offset: int, limit: int, rel: str) -> str:
        state = json.dumps(
            {"filters": filters, "offset": offset, "generation": self.page_info_generation}
        ).encode()
        token = base64.urlsafe_b64encode(state).decode()
        query = urlencode({"limit": limit, "page_info": token})
        return f'<{self.base_url}/{resource}.json?{query}>; rel="{rel}"'

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body if body is not None else {}).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
