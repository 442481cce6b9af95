"""Durability: a burst of signed webhooks, the server SIGKILLed in the middle and restarted, senders retrying
whatever was not acknowledged: every delivery ends up stored exactly once, and after processing, mapped once.

The server is the real thing: uvicorn in its own process on a loopback port, over a SQLite file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from hotdash.db import migrate
from hotdash.db.session import make_engine
from hotdash.store.models.catalog import Store
from hotdash.store.models.ingest import InboundEvent
from hotdash.store.models.sales import Order
from tests.store.inbound.conftest import SECRET, SHOP, shopify_headers

N = 10_000
SENDERS = 8
SRC = Path(__file__).resolve().parents[3] / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "HOTDASH_DATABASE_URL": url,
        "HOTDASH_SHOPIFY_WEBHOOK_SECRET": SECRET,
        # Mapping is checked separately below, by the command.
        "HOTDASH_INBOUND_PROCESSOR": "false",
    }


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "hotdash.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(
        command, env=server_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(
        f"the server did not start: {process.stderr.read().decode() if process.stderr else ''}"
    )


def order_body(number: int) -> bytes:
    order = {
        "id": 7_000_000 + number,
        "name": f"#{10_000 + number}",
        "currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": None,
        "subtotal_price": "40.00",
        "total_price": "45.00",
        "total_tax": "5.00",
        "processed_at": "2026-11-30T09:00:00+01:00",
        "updated_at": "2026-11-30T09:00:00+01:00",
        "line_items": [
            {
                "id": 9_000_000 + number,
                "title": "Daypack",
                "quantity": 2,
                "price": "20.00",
                "variant_id": None,
            }
        ],
    }
    return json.dumps(order).encode()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'durable.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            Store.__table__.insert(),
            {
                "source": "shopify",
                "external_id": SHOP,
                "name": "Test shop",
                "domain": SHOP,
                "currency": "EUR",
                "timezone": "Europe/Berlin",
                "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            },
        )
    yield url, engine
    engine.dispose()


class Senders:
    """Concurrent senders that retry every delivery until it is acknowledged with a 2xx."""

    def __init__(self, base_url: str, deliveries: list[tuple[str, bytes]]) -> None:
        self.base_url = base_url
        self.shares = [deliveries[i::SENDERS] for i in range(SENDERS)]
        self.acknowledged: set[str] = set()
        self.refused_or_lost = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._send, args=(share,)) for share in self.shares]

    def _send(self, share: list[tuple[str, bytes]]) -> None:
        with httpx.Client(base_url=self.base_url, timeout=5) as client:
            for webhook_id, body in share:
                headers = shopify_headers(body, topic="orders/create", webhook_id=webhook_id)
                while True:
                    try:
                        if client.post("/webhooks/shopify", content=body, headers=headers).is_success:
                            break
                    except httpx.TransportError:
                        pass
                    with self.lock:
                        self.refused_or_lost += 1
                    time.sleep(0.05)
                with self.lock:
                    self.acknowledged.add(webhook_id)

    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def test_a_burst_survives_sigkill_and_every_delivery_is_stored_and_mapped_once(
    database: tuple[str, Engine],
) -> None:
    url, engine = database
    port = free_port()
    deliveries = [(f"burst-{i:05d}", order_body(i)) for i in range(N)]
    server = start_server(url, port)
    senders = Senders(f"http://127.0.0.1:{port}", deliveries)
    try:
        for thread in senders.threads:
            thread.start()
        while senders.count() < N // 3:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait()
        # The server is gone: every acknowledgement counted now was sent before the kill.
        with senders.lock:
            acknowledged_at_kill = set(senders.acknowledged)
        with engine.connect() as connection:
            stored_at_kill = set(connection.scalars(select(InboundEvent.delivery_id)))
        server = start_server(url, port)
        for thread in senders.threads:
            thread.join(120)
    finally:
        server.kill()
        server.wait()

    assert len(acknowledged_at_kill) < N, "the kill came after the burst: it tested nothing"
    assert senders.refused_or_lost > 0, "no sender noticed the kill"
    # Everything acknowledged before the kill had been committed.
    assert acknowledged_at_kill <= stored_at_kill
    assert len(senders.acknowledged) == N
    with engine.connect() as connection:
        ids = list(connection.scalars(select(InboundEvent.delivery_id)))
    assert len(ids) == N  # none duplicated
    assert set(ids) == {webhook_id for webhook_id, _ in deliveries}  # none lost

    # Mapping: the command drains every delivery once, and each order lands once.
    done = subprocess.run(
        [sys.executable, "-m", "hotdash", "ingest", "process"],
        env=server_env(url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"processed {N}, ignored 0, failed 0" in done.stdout
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Order)) == N
        states = connection.execute(
            select(InboundEvent.status, InboundEvent.attempts, func.count()).group_by(
                InboundEvent.status, InboundEvent.attempts
            )
        ).all()
    assert states == [("processed", 1, N)]
