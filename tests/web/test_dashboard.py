"""The dashboard pages on a generated demo store: Today, a tile's page, drill-down and record pages.

Every number or record a page shows is checked against the tile computed independently in the test, at the
same frozen moment, so a page can neither invent nor drop what the tile says.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.app import create_app
from hotdash.auth import service as auth_service
from hotdash.auth.deps import SESSION_COOKIE
from hotdash.auth.models import Role
from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store.models import Order, OrderLine, Sku, Store, TeamMember, Ticket
from hotdash.tiles import registry
from hotdash.tiles.dashboard import compute_dashboard, compute_tile
from hotdash.tiles.format import format_value
from hotdash.tiles.registry import TILES, TileSpec
from hotdash.tiles.schemas import TileResult
from hotdash.tiles.windows import WindowName
from tests.store.demo_fixtures import DEMO_NOW, build_demo

STATUSES = {"ok", "watch", "warning", "critical"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The small demo store, generated once for this module."""
    engine, _ = build_demo(tmp_path_factory.mktemp("dashboard") / "demo.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app(demo: Engine) -> FastAPI:
    return create_app(Settings(database_url=str(demo.url)), clock=FrozenClock(DEMO_NOW))


@pytest.fixture(scope="module")
def client(app: FastAPI, demo: Engine) -> Iterator[TestClient]:
    """A client signed in as a manager."""
    with unit_of_work(session_factory(demo)) as session:
        user = auth_service.create_user(
            session=session,
            email="morgan@example.com",
            name="Morgan Manager",
            role=Role.manager,
            password="a long and secret passphrase",
            actor=None,
            now=DEMO_NOW,
        )
        token = auth_service.start_session(session=session, user=user, now=DEMO_NOW).token
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token)
        yield client


@pytest.fixture
def session(demo: Engine) -> Iterator[Session]:
    db = session_factory(demo)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


def tile(session: Session, name: str, window: WindowName = WindowName.today) -> TileResult:
    return compute_tile(session=session, name=name, now=DEMO_NOW, window=window)


def cards(page: str) -> dict[str, str]:
    """Return each tile card's status as the page shows it, by tile name."""
    return dict(
        re.findall(r'<article class="tile[^"]*" id="tile-\w+" data-tile="(\w+)" data-status="(\w+)"', page)
    )


def row_links(page: str) -> list[tuple[str, int]]:
    """Return the record each table row is about: the link in its first cell."""
    return [
        (entity, int(record_id))
        for entity, record_id in re.findall(r'<tr><td[^>]*><a href="/records/(\w+)/(\d+)', page)
    ]


def esc(value: str) -> str:
    """Return `value` as the templates write it into a page."""
    return str(escape(value))


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# --- Today ----------------------------------------------------------------------------------------------


def test_today_shows_three_priorities_then_six_tiles_each_with_a_status(
    client: TestClient, session: Session
) -> None:
    board = compute_dashboard(session=session, now=DEMO_NOW, window=WindowName.today)

    response = client.get("/")

    assert response.status_code == 200
    page = response.text
    shown = cards(page)
    assert list(shown) == list(TILES)  # all six, in the order of the morning check
    expected = {t.name: t.status.value for t in board.tiles}
    assert shown == expected
    assert set(shown.values()) <= STATUSES

    priorities = re.findall(r'<li class="priority sev-(\w+)" data-tile="(\w+)">(.*?)</li>', page, re.S)
    assert len(priorities) == 3 == len(board.priorities)
    for (severity, tile_name, body), priority in zip(priorities, board.priorities, strict=True):
        assert (severity, tile_name) == (priority.severity.value, priority.tile)
        assert priority.title in text_of(body)
        assert priority.action in text_of(body)
        if priority.money_at_stake:
            assert format_value(float(priority.money_at_stake), "money", board.store.currency) in text_of(
                body
            )
    # The priorities come before the tiles: the manager reads what to do first.
    assert page.index('id="priorities"') < page.index('data-tile="sales" data-status')


def test_every_card_says_why_what_next_and_links_to_its_tile(client: TestClient, session: Session) -> None:
    page = client.get("/").text

    for name in TILES:
        result = tile(session, name)
        card = re.search(rf'<article[^>]* id="tile-{name}".*?</article>', page, re.S)
        assert card, name
        body = card.group(0)
        assert esc(result.status_reason) in body
        assert esc(result.recommendation.action) in body
        assert f'href="/tiles/{name}"' in body
        for figure in result.figures[:4]:
            assert (
                format_value(figure.value, figure.unit, result.currency) in body
                if figure.value is not None
                else True
            )
        assert f'data-count="{len(result.exceptions)}"' in body
        if result.chart is not None:
            charts = re.findall(r"data-chart='([^']*)'", body)
            assert json.loads(html.unescape(charts[0]))["kind"] == result.chart.kind


def test_times_are_shown_in_the_store_timezone(client: TestClient) -> None:
    # 15:30 UTC on 22 November is 10:30 in New York (EST).
    assert "computed <time" in client.get("/").text
    assert "10:30 EST" in client.get("/").text


def test_window_selector_changes_the_window_label_figures_and_links(
    client: TestClient, session: Session
) -> None:
    today = client.get("/").text
    week = client.get("/?window=7d").text

    assert '<span class="window-label" data-window="today">Today</span>' in today
    assert '<span class="window-label" data-window="7d">Last 7 days</span>' in week
    sales_today, sales_week = tile(session, "sales"), tile(session, "sales", WindowName.last_7d)
    revenue_today = format_value(
        sales_today.figures[0].value, sales_today.figures[0].unit, sales_today.currency
    )
    revenue_week = format_value(sales_week.figures[0].value, sales_week.figures[0].unit, sales_week.currency)
    assert revenue_today != revenue_week
    assert revenue_week in week
    # Every link onwards keeps the window, and the selector marks the one in use.
    assert 'href="/tiles/sales?window=7d"' in week
    assert 'hx-get="/partials/tiles/sales?window=7d"' in week
    assert re.search(r'<a href="/\?window=7d" title="Last 7 days" aria-current="true">', week)


def test_an_unknown_window_is_a_page_that_says_which_windows_exist(client: TestClient) -> None:
    response = client.get("/?window=fortnight")

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "today, 24h, 7d, 30d" in response.text


def test_each_tile_refreshes_itself_every_minute(client: TestClient, session: Session) -> None:
    page = client.get("/").text
    for name in TILES:
        assert f'hx-get="/partials/tiles/{name}" hx-trigger="every 60s" hx-swap="outerHTML"' in page

    partial = client.get("/partials/tiles/cx")

    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<article class="tile')
    assert "<html" not in partial.text
    assert 'hx-trigger="every 60s"' in partial.text  # the swapped-in card keeps polling
    assert cards(partial.text) == {"cx": tile(session, "cx").status.value}


def test_charts_are_json_in_an_attribute_for_the_vendored_echarts(
    client: TestClient, session: Session
) -> None:
    page = client.get("/").text

    assert '<script src="/static/vendor/echarts.min.js" defer></script>' in page
    assert '<script src="/static/hotdash.js" defer></script>' in page
    assert "https://" not in page
    charts = [json.loads(html.unescape(raw)) for raw in re.findall(r"data-chart='([^']*)'", page)]
    assert charts
    inventory = tile(session, "inventory")
    assert inventory.chart is not None
    assert inventory.chart.kind == "heatmap"
    heatmaps = [c for c in charts if c["kind"] == "heatmap"]
    assert heatmaps
    assert heatmaps[0]["y"] == inventory.chart.y


def test_a_broken_tile_is_shown_as_broken_never_hidden(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_context: object) -> TileResult:
        raise RuntimeError("traffic source unreachable")

    monkeypatch.setitem(registry.TILES, "seo", TileSpec("seo", "SEO Content", broken))

    page = client.get("/").text

    assert cards(page)["seo"] == "broken"
    assert "RuntimeError: traffic source unreachable" in page
    assert "1 tile could not be computed" in page
    assert len(cards(page)) == 6


# --- a tile's page and drill-down -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TILES))
def test_tile_page_lists_every_exception_with_a_link_to_its_records(
    client: TestClient, session: Session, name: str
) -> None:
    result = tile(session, name)

    response = client.get(f"/tiles/{name}")

    assert response.status_code == 200
    page = response.text
    assert esc(result.recommendation.playbook) in page
    for figure in result.figures:
        assert esc(figure.label) in page
    listed = re.findall(r'<li class="exception card sev-(\w+)" data-exception="([^"]+)">', page)
    assert listed == [(e.severity.value, esc(e.key)) for e in result.exceptions]
    for exception in result.exceptions:
        assert esc(exception.title) in page
        if exception.records:
            assert f'href="/tiles/{name}/exceptions/{exception.key}"' in page


def test_inventory_tile_page_draws_its_tier_by_cover_heatmap(client: TestClient) -> None:
    page = client.get("/tiles/inventory").text

    charts = [json.loads(html.unescape(raw)) for raw in re.findall(r"data-chart='([^']*)'", page)]
    assert any(c["kind"] == "heatmap" for c in charts)


def test_drill_down_lists_exactly_the_records_the_exception_names(
    client: TestClient, session: Session
) -> None:
    checked = 0
    for name in TILES:
        for exception in tile(session, name).exceptions:
            if not exception.records:
                continue
            response = client.get(f"/tiles/{name}/exceptions/{exception.key}")
            assert response.status_code == 200, (name, exception.key)
            expected = list(dict.fromkeys((r.entity, r.id) for r in exception.records))
            assert row_links(response.text) == expected, (name, exception.key)
            checked += 1
    assert checked >= 4  # the demo store's scenarios raise exceptions on most tiles


def test_drill_down_keeps_the_window(client: TestClient, session: Session) -> None:
    result = tile(session, "fulfillment", WindowName.last_7d)
    exception = next(e for e in result.exceptions if e.records)

    page = client.get(f"/tiles/fulfillment/exceptions/{exception.key}?window=7d").text

    assert row_links(page) == list(dict.fromkeys((r.entity, r.id) for r in exception.records))
    assert "?window=7d" in page


def test_an_order_page_shows_its_lines_shipments_and_tickets(client: TestClient, session: Session) -> None:
    refs = [r for n in TILES for e in tile(session, n).exceptions for r in e.records if r.entity == "order"]
    assert refs, "the demo's delayed orders should be named by a tile"
    order = session.get(Order, refs[0].id)
    assert order is not None
    lines = session.execute(
        select(OrderLine.title, OrderLine.quantity, Sku.sku)
        .outerjoin(Sku, Sku.id == OrderLine.sku_id)
        .where(OrderLine.order_id == order.id)
    ).all()

    response = client.get(f"/records/order/{order.id}")

    assert response.status_code == 200
    page = response.text
    assert f"Order {esc(order.number)}" in page
    lines_section = re.search(r'data-entity="order_line">(.*?)</section>', page, re.S)
    assert lines_section
    rows = re.findall(r"<tr>(.*?)</tr>", lines_section.group(1), re.S)[1:]  # after the header row
    assert len(rows) == len(lines)
    for row, (title, quantity, code) in zip(rows, lines, strict=True):
        cells = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        assert cells[:3] == [code or "—", title, str(quantity)]
    for section in ("shipment", "tracking_event", "ticket", "refund"):
        assert f'data-entity="{section}"' in page


def test_every_kind_of_record_named_by_a_tile_has_a_page(client: TestClient, session: Session) -> None:
    seen: dict[str, int] = {}
    for name in TILES:
        for exception in tile(session, name).exceptions:
            for ref in exception.records:
                seen.setdefault(ref.entity, ref.id)
    for entity, record_id in seen.items():
        response = client.get(f"/records/{entity}/{record_id}")
        assert response.status_code == 200, entity


def test_record_text_is_escaped_never_markup(client: TestClient, demo: Engine, session: Session) -> None:
    hostile = "<script>alert('pwned')</script> where is my parcel?"
    cx = tile(session, "cx")
    named = [(e.key, r.id) for e in cx.exceptions for r in e.records if r.entity == "ticket"]
    ticket_id = named[0][1] if named else session.scalars(select(Ticket.id).limit(1)).one()
    with unit_of_work(session_factory(demo)) as db:
        ticket = db.get(Ticket, ticket_id)
        assert ticket is not None
        original, ticket.subject = ticket.subject, hostile
    try:
        record = client.get(f"/records/ticket/{ticket_id}").text
        assert "<script>alert(" not in record
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in record
        if named:
            drill = client.get(f"/tiles/cx/exceptions/{named[0][0]}").text
            assert "<script>alert(" not in drill
    finally:
        with unit_of_work(session_factory(demo)) as db:
            ticket = db.get(Ticket, ticket_id)
            assert ticket is not None
            ticket.subject = original


def test_names_in_chart_data_stay_data(client: TestClient, demo: Engine, session: Session) -> None:
    team = tile(session, "team")
    assert team.chart is not None
    assert team.chart.x
    member_id = session.scalars(select(TeamMember.id).where(TeamMember.name == team.chart.x[0])).first()
    assert member_id is not None
    hostile = "O'Brien <img src=x onerror=alert(1)>"
    with unit_of_work(session_factory(demo)) as db:
        member = db.get(TeamMember, member_id)
        assert member is not None
        original, member.name = member.name, hostile
    try:
        page = client.get("/tiles/team").text
        assert "<img src=x" not in page
        charts = [json.loads(html.unescape(raw)) for raw in re.findall(r"data-chart='([^']*)'", page)]
        assert any(hostile in chart["x"] for chart in charts)
    finally:
        with unit_of_work(session_factory(demo)) as db:
            member = db.get(TeamMember, member_id)
            assert member is not None
            member.name = original


# --- what is not there ----------------------------------------------------------------------------------


def test_an_unknown_tile_is_a_404_page_that_names_the_tiles(client: TestClient) -> None:
    response = client.get("/tiles/weather")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no tile named" in response.text
    assert "Sales Pulse (sales)" in response.text


def test_an_exception_that_is_gone_is_a_404_page(client: TestClient) -> None:
    response = client.get("/tiles/sales/exceptions/no-such-thing")

    assert response.status_code == 404
    assert "may have been resolved" in response.text


@pytest.mark.parametrize("path", ["/records/order/999999", "/records/spaceship/1", "/records/order/abc"])
def test_an_unknown_record_is_a_404_page(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_an_unknown_store_is_a_404_page(client: TestClient) -> None:
    assert client.get("/?store=4242").status_code == 404


def test_pages_need_a_signed_in_user(app: FastAPI) -> None:
    with TestClient(app, follow_redirects=False) as anonymous:
        for path in ("/", "/tiles/sales", "/partials/tiles/sales", "/records/order/1"):
            response = anonymous.get(path)
            assert response.status_code in (302, 303, 307), path
            assert response.headers["location"].startswith("/login"), path


def test_store_selector_appears_with_a_second_store_and_is_kept_in_links(
    client: TestClient, demo: Engine
) -> None:
    assert 'name="store"' not in client.get("/").text
    with unit_of_work(session_factory(demo)) as db:
        second = Store(
            source="test",
            external_id="second-store",
            name="Second & Co",
            currency="EUR",
            timezone="Europe/Berlin",
            created_at=DEMO_NOW,
        )
        db.add(second)
        db.flush()
        second_id = second.id
    try:
        page = client.get("/").text
        assert '<select id="store-select" name="store" data-autosubmit>' in page
        assert "Second &amp; Co" in page

        other = client.get(f"/?store={second_id}&window=24h").text
        assert "<h1>Second &amp; Co</h1>" in other
        assert f'href="/tiles/sales?store={second_id}&amp;window=24h"' in other
        assert "times in Europe/Berlin" in other
        assert "16:30 CET" in other  # the same moment on Berlin's clock
    finally:
        with unit_of_work(session_factory(demo)) as db:
            store = db.get(Store, second_id)
            if store is not None:
                db.delete(store)


def test_the_tiles_api_gives_each_drill_down_record_its_page(client: TestClient) -> None:
    inventory = client.get("/api/v1/tiles/inventory").json()
    refs = [ref for exception in inventory["exceptions"] for ref in exception["records"]]
    assert refs, "the demo's inventory tile names SKUs"
    assert {ref["url"] for ref in refs} == {f"/records/sku/{ref['id']}" for ref in refs}
    first = client.get(refs[0]["url"])
    assert first.status_code == 200
    code = refs[0]["label"].split()[0].rstrip(":")  # the tile names a SKU by its code first
    assert f'<h1 class="record-title">{code} · ' in first.text


@pytest.mark.parametrize("category", ["returns/exchanges", "refund? #urgent & more"])
def test_a_category_with_a_slash_or_url_characters_still_links_its_systemic_exception(
    client: TestClient, demo: Engine, session: Session, category: str
) -> None:
    # Rename the category of the demo's first systemic cluster, as a helpdesk's own categories may be named.
    systemic = [e for e in tile(session, "cx").exceptions if e.key.startswith("systemic:")]
    assert systemic, "the demo has a systemic cluster to rename"
    old = systemic[0].key.split(":")[1]
    with unit_of_work(session_factory(demo)) as db:
        renamed = db.execute(select(Ticket).where(Ticket.category == old)).scalars().all()
        for ticket in renamed:
            ticket.category = category
    try:
        page = client.get("/tiles/cx")
        assert page.status_code == 200
        links = re.findall(r'href="(/tiles/cx/exceptions/systemic:[^"]+)"', page.text)
        wanted = [html.unescape(link) for link in links if "exchanges" in link or "urgent" in link]
        assert len(wanted) == 1, links
        followed = client.get(wanted[0])
        assert followed.status_code == 200
        assert esc(f"'{category}' tickets") in followed.text
        assert client.get("/").status_code == 200
    finally:
        with unit_of_work(session_factory(demo)) as db:
            for ticket in db.execute(select(Ticket).where(Ticket.category == category)).scalars():
                ticket.category = old
