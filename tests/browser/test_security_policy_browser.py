"""The security policy as Chromium enforces it: our pages and the API docs work, injected scripts don't.

Shared: one server and one Chromium for the module (see conftest.py). Each test fails on any console error,
so a page of ours that the policy broke (a refused script, style or request) fails here.
"""

from __future__ import annotations

from playwright.sync_api import expect

from hotdash import __version__
from tests.browser.conftest import MANAGER, LiveServer, Watched, sign_in

INJECT = """() => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.appendChild(script);
    return window.injected === true;
}"""


def test_the_today_page_runs_its_scripts_and_refuses_an_injected_one(
    live_server: LiveServer, watched: Watched
) -> None:
    page = watched.page
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security" in message.text else None,
    )
    sign_in(page, live_server.url, MANAGER)
    # htmx and ECharts, both from our own server, ran: the tiles drew their charts.
    page.wait_for_function("() => window.hotdashCharts !== undefined && window.hotdashCharts() > 0")

    assert page.evaluate(INJECT) is False
    page.wait_for_timeout(200)
    assert len(refused) == 1, refused
    assert "inline script" in refused[0]
    # The refusal is the only complaint of the page.
    assert [problem for problem in watched.problems if "Content Security" not in problem] == []


def test_the_api_docs_start_under_the_policy(live_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    sign_in(page, live_server.url, MANAGER)
    # Leaving the Today page while its charts still load would abort those requests: let it settle first.
    page.wait_for_load_state("networkidle")
    assert watched.problems == []
    page.goto(live_server.url + "/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text(f"HotDash {__version__}")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    assert watched.problems == []
