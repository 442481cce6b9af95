"""A failed minute refresh is said on the page, with the time of the figures still shown, and then recovers.

htmx keeps the old content of a part whose refresh failed; without a word the page showed stale figures as if
they were current. Shared: one server and one Chromium for the module (see conftest.py).
"""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import MANAGER, LiveServer, Watched, sign_in

REFRESH_NOW = """(selector) => {
    const element = document.querySelector(selector);
    const context = {source: element, target: element, swap: 'outerHTML'};
    // Not awaited: htmx rejects the promise of a failed request, which is the case under test.
    htmx.ajax('GET', element.getAttribute('hx-get'), context).catch(() => null);
}"""


def _refresh(page: Page, selector: str) -> None:
    page.evaluate(REFRESH_NOW, selector)


def test_a_failed_refresh_says_since_when_the_figures_are_and_the_next_one_clears_it(
    live_server: LiveServer, watched: Watched
) -> None:
    page = watched.page
    before = datetime.now().strftime("%H:%M")
    sign_in(page, live_server.url, MANAGER)
    after = datetime.now().strftime("%H:%M")
    summary = page.locator("[hx-trigger^='every']").first
    selector = "[hx-trigger^='every']"
    figures = summary.inner_text()

    def fail(route: Route) -> None:
        route.fulfill(status=500, body="database is locked")

    page.route(re.compile(r".*/partials/.*"), fail)
    _refresh(page, selector)

    notice = summary.locator(".stale-notice")
    expect(notice).to_have_count(1)
    text = notice.inner_text()
    match = re.fullmatch(r"Figures from (\d\d:\d\d), refresh failed, retrying\.", text)
    assert match is not None, text
    assert before <= match.group(1) <= after
    assert figures in summary.inner_text()  # the old figures are still there, marked
    # A second failure keeps one notice, not two.
    _refresh(page, selector)
    expect(summary.locator(".stale-notice")).to_have_count(1)

    page.unroute(re.compile(r".*/partials/.*"))
    _refresh(page, selector)
    expect(page.locator(".stale-notice")).to_have_count(0)
    # The refused partials are the only failures the page saw.
    assert [p for p in watched.problems if "500" not in p and "partials" not in p] == []


def test_a_lost_connection_is_said_the_same_way(live_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    sign_in(page, live_server.url, MANAGER)
    selector = "[hx-trigger^='every']"
    page.route(re.compile(r".*/partials/.*"), lambda route: route.abort("connectionreset"))
    _refresh(page, selector)

    expect(page.locator(selector).first.locator(".stale-notice")).to_contain_text("refresh failed, retrying.")
