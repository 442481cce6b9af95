"""The dashboard in a real browser: the morning check, drill-down, a threshold change, a viewer's limits.

Shared: one server and one Chromium for the module (see conftest.py). Each test gets a fresh browser profile
and fails on any console error, uncaught exception or failed request of its page.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import MANAGER, VIEWER, LiveServer, Watched, sign_in

STATUSES = {"ok", "watch", "warning", "critical"}
SCREENSHOT = "/tmp/hotdash_today.png"
ALL_CHARTS_DRAWN = (
    "() => window.hotdashCharts !== undefined"
    " && document.querySelectorAll('[data-chart]').length > 0"
    " && window.hotdashCharts() === document.querySelectorAll('[data-chart]').length"
)


def shown_number(text: str) -> int:
    return int(text.replace(",", "").strip())


def charts_drawn(page: Page) -> int:
    page.wait_for_function(ALL_CHARTS_DRAWN)
    drawn: int = page.evaluate("window.hotdashCharts()")
    return drawn


def test_manager_checks_the_tiles_drills_down_and_moves_a_status_with_a_threshold(
    live_server: LiveServer, watched: Watched
) -> None:
    page, base = watched.page, live_server.url
    sign_in(page, base, MANAGER)

    # All six tiles, each with a status and figures, under the three priorities.
    tiles = page.locator("article.tile")
    expect(tiles).to_have_count(6)
    statuses = tiles.evaluate_all("cards => cards.map(card => card.dataset.status)")
    assert set(statuses) <= STATUSES, statuses
    for index in range(6):
        expect(tiles.nth(index).locator(".figure-value").first).not_to_be_empty()
        expect(tiles.nth(index).locator(".badge")).to_have_text(re.compile(r"OK|Watch|Warning|Critical"))
    expect(page.locator("li.priority")).to_have_count(3)

    # The charts are drawn by ECharts on canvases.
    assert charts_drawn(page) >= 1
    canvas = page.locator(".chart canvas").first
    box = canvas.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 50
    page.screenshot(path=SCREENSHOT, full_page=True)

    fulfillment = page.locator("#tile-fulfillment")
    expect(fulfillment).to_have_attribute("data-status", "critical")
    delayed = shown_number(fulfillment.locator('[data-figure="delayed"] .figure-value').inner_text())

    # Drill down: tile page, an exception's records, one order with its lines.
    fulfillment.locator("a.open-tile").click()
    page.wait_for_url(f"{base}/tiles/fulfillment")
    records_link = page.locator("a.records-link").first
    listed = re.search(r"See (?:the )?([\d,]+)", records_link.inner_text())
    assert listed
    records_link.click()
    page.wait_for_url(re.compile(r".*/tiles/fulfillment/exceptions/[^/]+$"))
    rows = page.locator("section.record-section table.records tbody tr")
    expect(rows).to_have_count(shown_number(listed.group(1)))
    rows.first.locator("td a").first.click()
    page.wait_for_url(re.compile(r".*/records/order/\d+$"))
    expect(page.locator('section[data-entity="order_line"] tbody tr').first).to_be_visible()

    # Raise "critical above" over today's delayed orders: Fulfillment Health is no longer critical.
    page.goto(f"{base}/settings/thresholds")
    row = page.locator('tr[id="fulfillment.critical_above"]')
    row.locator("input[name=value]").fill(str(delayed + 1))
    row.locator("button[value=save]").click()
    page.wait_for_url(re.compile(r".*saved=fulfillment\.critical_above.*"))
    page.goto(f"{base}/")
    expect(page.locator("#tile-fulfillment")).to_have_attribute("data-status", "warning")
    expect(page.locator("#tile-fulfillment .badge")).to_have_text("Warning")

    # Put it back for the other tests of the module.
    page.goto(f"{base}/settings/thresholds")
    page.locator('tr[id="fulfillment.critical_above"] button[value=reset]').click()
    page.wait_for_url(re.compile(r".*reset=fulfillment\.critical_above.*"))

    assert watched.problems == []


def test_a_viewer_cannot_change_a_threshold(live_server: LiveServer, watched: Watched) -> None:
    page, base = watched.page, live_server.url
    sign_in(page, base, VIEWER, start="/settings/thresholds")

    expect(page.locator('tr[id="fulfillment.critical_above"]')).to_be_visible()
    expect(page.locator("table.thresholds form")).to_have_count(0)
    expect(page.locator("input[name=value]")).to_have_count(0)

    # A POST made by hand, with the viewer's own session and CSRF token, is refused for the role.
    csrf = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    forged = page.request.post(
        f"{base}/settings/thresholds/fulfillment.critical_above",
        form={"value": "1000", "action": "save", "csrf_token": csrf},
        max_redirects=0,
    )
    assert forged.status == 403
    current = page.request.get(f"{base}/api/v1/thresholds/fulfillment.critical_above")
    assert current.ok
    assert current.json()["is_default"] is True

    assert watched.problems == []


def test_window_selector_and_tile_refresh_keep_the_charts_drawn(
    live_server: LiveServer, watched: Watched
) -> None:
    page, base = watched.page, live_server.url
    sign_in(page, base, VIEWER)

    page.locator("nav.segmented a", has_text="7 d").click()
    page.wait_for_url(f"{base}/?window=7d")
    expect(page.locator(".page-head .window-label")).to_have_text("Last 7 days")
    drawn = charts_drawn(page)

    # What the card's 60-second poll does, done now: fetch the partial and swap the card.
    sales = page.locator("#tile-sales")
    expect(sales).to_have_attribute("hx-get", "/partials/tiles/sales?window=7d")
    page.evaluate("document.querySelector('#tile-sales').dataset.stale = 'yes'")
    page.evaluate(
        "() => htmx.ajax('GET', document.querySelector('#tile-sales').getAttribute('hx-get'),"
        " {target: '#tile-sales', swap: 'outerHTML'})"
    )
    page.wait_for_function("() => !document.querySelector('#tile-sales').dataset.stale")
    # The old card's chart was disposed and the new one drawn: as many charts as chart elements, as before.
    assert charts_drawn(page) == drawn
    expect(page.locator("#tile-sales")).to_have_attribute("hx-trigger", "every 60s")

    assert watched.problems == []
