"""One HotDash server on a generated demo store and one Chromium per module, for the browser tests.

The server is the real app under uvicorn on a free loopback port, in a background thread, with its clock
frozen at the demo's "now" so the numbers are the ones the demo was built for. The browser is Debian's
Chromium driven by Playwright; Playwright's own browser downloads are never used. Without /usr/bin/chromium
the tests fail, saying what to install: a browser test that skips would let a broken page pass CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from hotdash.app import create_app
from hotdash.auth import service as auth_service
from hotdash.auth.models import Role
from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from tests.loopback import serving
from tests.store.demo_fixtures import DEMO_NOW, build_demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
]
PASSWORD = "correct horse battery staple"
MANAGER = "manager@example.com"
VIEWER = "viewer@example.com"


@dataclass
class LiveServer:
    url: str
    database_url: str


@dataclass
class Watched:
    """A page and everything it complained about: console errors, uncaught exceptions, failed requests."""

    page: Page
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a small demo store with a manager and a viewer, served on a free loopback port."""
    engine, _ = build_demo(tmp_path_factory.mktemp("browser") / "demo.db")
    with unit_of_work(session_factory(engine)) as session:
        for email, role in ((MANAGER, Role.manager), (VIEWER, Role.viewer)):
            auth_service.create_user(
                session=session,
                email=email,
                name=email.split("@")[0].title(),
                role=role,
                password=PASSWORD,
                actor=None,
                now=DEMO_NOW,
            )
    database_url = str(engine.url)
    engine.dispose()

    app = create_app(Settings(database_url=database_url), clock=FrozenClock(DEMO_NOW))
    with serving(app) as url:
        yield LiveServer(url=url, database_url=database_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}: install the `chromium` package "
            "(apt-get install chromium). Do not run `playwright install`.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def watched(context: BrowserContext) -> Watched:
    """A page whose console errors, uncaught exceptions and failed requests are collected."""
    page = context.new_page()
    watched = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.problems.append(f"console error: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: watched.problems.append(f"request failed: {request.url}"))
    return watched


def sign_in(page: Page, base_url: str, email: str, start: str = "/") -> None:
    """Open `start`, get sent to the sign-in page, sign in and come back to `start`."""
    page.goto(base_url + start)
    page.wait_for_url("**/login**")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + start)
