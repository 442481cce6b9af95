"""A real HotDash server on a loopback port (uvicorn in a thread), and signed Shopify deliveries for it."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from hotdash.app import create_app
from hotdash.settings import Settings
from hotdash.store.connectors.shopify.webhooks import signature

SECRET = "shpss_test_secret_0123456789"
SHOP = "hotdash-test.myshopify.com"


def shopify_headers(
    body: bytes, *, topic: str = "orders/updated", webhook_id: str | None = None, secret: str = SECRET
) -> dict[str, str]:
    """The headers Shopify sends with `body`, signed with `secret`."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Hmac-Sha256": signature(secret.encode(), body),
        "X-Shopify-API-Version": "2026-07",
    }


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    client: httpx.Client

    def send(self, body: bytes, **kwargs: Any) -> httpx.Response:
        """POST `body` to /webhooks/shopify with Shopify's headers (kwargs as for shopify_headers)."""
        return self.client.post("/webhooks/shopify", content=body, headers=shopify_headers(body, **kwargs))


def run_server(app: FastAPI) -> tuple[str, Callable[[], None]]:
    """Serve `app` on a free loopback port in a thread; return its URL and a function that stops it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
        sock.close()

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def live_server(engine: Engine) -> Iterator[LiveServer]:
    """HotDash on a loopback port over a migrated database (both backends), the processor left to the test."""
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        shopify_webhook_secret=SECRET,  # type: ignore[arg-type]
        inbound_processor=False,
        webhook_max_bytes=64 * 1024,
    )
    app = create_app(settings)
    url, stop = run_server(app)
    with httpx.Client(base_url=url, timeout=10) as client:
        yield LiveServer(url=url, app=app, client=client)
    stop()
