"""A local Zendesk on loopback that serves the incremental ticket export from the test pages.

A real HTTP server in a thread, speaking what the sync relies on:
`GET /api/v2/incremental/tickets/cursor.json` with `start_time` for the first page and `cursor` (a page's
`after_cursor`) for the next, `end_of_stream` on the last, side-loads only when `include` asks for them,
basic auth as `{email}/token` with the API token (401 otherwise, with Zendesk's error body), and scripted
faults: an answer with any status and headers for the next N requests.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.store.connectors.helpers import load

EMAIL = "sync@acme.example"
TOKEN = "zd-api-token-6d0c1b"
LAST_CURSOR = "MTc2NDUwMTYwMC4wfHw1MDA0fA=="
SIDE_LOADED = ("users", "metric_sets")


def export_pages() -> list[dict[str, Any]]:
    """Return the two export pages: the cursor page, then the later tickets as the last page."""
    first = load("zendesk", "incremental_cursor_page.json")
    timed = load("zendesk", "incremental_time_page.json")
    last = {"tickets": timed["tickets"], "after_cursor": LAST_CURSOR, "before_cursor": first["after_cursor"]}
    return [first, {**last, "end_of_stream": True}]


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    after_pages: int = 0  # served pages before the fault starts


@dataclass
class ReplayZendesk:
    pages: list[dict[str, Any]] = field(default_factory=export_pages)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    served: int = 0
    base_url: str = ""

    def serve(self) -> Iterator[ReplayZendesk]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def answer(
        self, path: str, query: dict[str, list[str]], auth: str | None
    ) -> tuple[int, dict[str, str], Any]:
        self.requests.append(query)
        expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
        if auth != expected:
            return 401, {}, {"error": "Couldn't authenticate you"}
        for fault in self.faults:
            if fault.times > 0 and self.served >= fault.after_pages:
                fault.times -= 1
                return fault.status, fault.headers, {"error": "scripted"}
        if path != "/api/v2/incremental/tickets/cursor.json":
            return 404, {}, {"error": "InvalidEndpoint"}
        if "cursor" in query:
            cursors = [p.get("after_cursor") for p in self.pages]
            if query["cursor"][0] == LAST_CURSOR:
                page: dict[str, Any] = {"tickets": [], "after_cursor": LAST_CURSOR, "end_of_stream": True}
            elif query["cursor"][0] in cursors:
                page = self.pages[cursors.index(query["cursor"][0]) + 1]
            else:
                return 400, {}, {"error": "InvalidCursor"}
        elif "start_time" in query:
            page = self.pages[0]
        else:
            return 400, {}, {"error": "start_time or cursor is required"}
        wanted = set(",".join(query.get("include", [])).split(","))
        page = {k: v for k, v in page.items() if k not in SIDE_LOADED or k in wanted}
        self.served += 1
        return 200, {}, page

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                status, headers, body = replay.answer(
                    parts.path, parse_qs(parts.query), self.headers.get("Authorization")
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
