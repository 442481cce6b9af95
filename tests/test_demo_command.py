"""`hotdash demo`, end to end: it generates the store, prints the admin's sign-in, then serves the data page
over real HTTP to whoever signs in with it."""

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

SIGN_IN = re.compile(r"Sign in as (\S+@\S+) / (\S+)")
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_generates_then_serves_the_data_page(tmp_path: Path) -> None:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    log = tmp_path / "demo.out"
    # Unbuffered, so the sign-in line can be read while the server runs.
    env = {**os.environ, "HOTDASH_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hotdash", "demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        anonymous = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                anonymous = httpx2.get(f"{base}/data", timeout=2)
                break
            except httpx2.TransportError:
                time.sleep(0.3)
        assert anonymous is not None, "the server never answered"
        # Nobody signed in: the data page sends the browser to the sign-in page.
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == "/login?next=%2Fdata"

        credentials = SIGN_IN.search(log.read_text())
        assert credentials is not None, "hotdash demo did not print the admin's sign-in"
        email, password = credentials.groups()
        assert email == "admin@hotdash.local"
        with httpx2.Client(base_url=base, timeout=10) as browser:
            form = browser.get("/login?next=/data")
            csrf = FORM_CSRF.search(form.text)
            assert csrf is not None
            signed_in = browser.post(
                "/login",
                data={"email": email, "password": password, "csrf_token": csrf.group(1), "next": "/data"},
            )
            assert signed_in.status_code == 303, signed_in.text
            assert signed_in.headers["location"] == "/data"
            page = browser.get("/data")
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
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = log.read_text()
    assert "Situations in the data" in output
    assert "delay wave" in output
    # The password is printed once, for the person who ran the command, and never logged by the server.
    assert output.count(password) == 1
