"""`hotdash demo`, end to end: it generates the store, then serves the data page over real HTTP."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
from sqlalchemy import func, select

from hotdash.db.session import make_engine
from hotdash.store.models import Order, Store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_generates_then_serves_the_data_page(tmp_path: Path) -> None:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "HOTDASH_DATABASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "hotdash", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        page = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                page = httpx2.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx2.TransportError:
                time.sleep(0.3)
        assert page is not None, "the server never answered"
        assert page.status_code == 200
        engine = make_engine(url)
        with engine.connect() as conn:
            orders = conn.execute(select(func.count()).select_from(Order)).scalar_one()
            store = conn.execute(select(Store.name, Store.timezone)).one()
        engine.dispose()
        assert orders == 5_000
        assert store.name in page.text
        assert store.timezone in page.text
        counted = re.search(r'data-entity="orders">([\d,]+)<', page.text)
        assert counted is not None
        assert counted.group(1) == "5,000"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert "Situations in the data" in output
    assert "delay wave" in output
