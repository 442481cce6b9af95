"""The detections inbox, a detection's page with its actions, the rules pages and the rule builder.

Each page runs on SQLite and PostgreSQL; the figures a page shows are compared with the detection services'
own answers and with counts made here from the rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from hotdash.app import create_app
from hotdash.auth.models import Role
from hotdash.clock import SystemClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.detection import detections, service
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.models import Detection, Rule, RuleVersion
from hotdash.detection.schemas import RuleSpec
from hotdash.settings import Settings
from hotdash.store import models as m
from tests.auth.helpers import add_token, add_user, bearer, sign_in
from tests.tiles.builders import add

RULES = [
    {"key": "t.late", "name": "Late orders", "kind": "time", "entity": "orders",
     "expression": "delay_hours > 24", "severity": "critical"},
    {"key": "t.big", "name": "Big orders", "kind": "record", "entity": "orders",
     "expression": "total > 500", "severity": "warning"},
    {"key": "t.new_tickets", "name": "New tickets", "kind": "record", "entity": "tickets",
     "expression": "status = 'new'", "severity": "info"},
]  # fmt: skip


@dataclass
class Shop:
    engine: Engine
    app_url: str
    order_ids: list[int]
    clients: list[TestClient]

    def client(self, role: Role) -> TestClient:
        email = f"{role.value}{len(self.clients)}@example.com"
        add_user(self.engine, email, role)
        client = TestClient(create_app(Settings(database_url=self.app_url, detection_scheduler=False)))
        client.__enter__()
        self.clients.append(client)
        sign_in(client, email)
        return client


def seed(engine: Engine, rules: list[dict[str, object]] = RULES) -> list[int]:
    """Commit a Berlin store with late and big orders and a new ticket; make the rules and run them."""
    now = datetime.now(UTC)
    with unit_of_work(session_factory(engine)) as session:
        store = add(session, m.Store, timezone="Europe/Berlin")
        ids = []
        for total in ("80", "600", "900"):
            order = add(
                session,
                m.Order,
                store_id=store.id,
                placed_at=now - timedelta(days=5),
                ship_by=now - timedelta(days=2),
                total=Decimal(total),
            )
            ids.append(order.id)
        add(session, m.Ticket, store_id=store.id, status="new", created_at=now - timedelta(hours=3))
        made = [
            service.create_rule(session=session, spec=RuleSpec.model_validate(r), actor=None, now=now)
            for r in rules
        ]
        Evaluator(SystemClock()).run(session=session, rules=made, trigger="manual")
    return ids


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    url = engine.url.render_as_string(hide_password=False)
    made = Shop(engine, url, seed(engine), [])
    yield made
    for client in made.clients:
        client.__exit__(None, None, None)


def csrf(client: TestClient) -> str:
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/rules").text)
    assert found is not None
    return found.group(1)


def rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-detection="(\d+)" data-severity="(\w+)"', html)


def test_the_inbox_shows_what_the_service_lists_and_filters_by_tile(shop: Shop) -> None:
    client = shop.client(Role.viewer)
    page = client.get("/detections")
    assert page.status_code == 200
    with unit_of_work(session_factory(shop.engine)) as session:
        items, total = detections.list_detections(session=session, where=detections.DetectionFilter())
        counted = session.scalar(
            select(func.count()).select_from(Detection).where(Detection.status == "open")
        )
    # 3 late orders, 2 big ones, 1 ticket: counted from the rows, and the service agrees.
    assert total == counted == 6
    assert f'data-total="{total}"' in page.text
    assert [int(i) for i, _ in rows(page.text)] == [d.id for d in items]
    # Most severe first: critical, then warning, then info.
    assert [s for _, s in rows(page.text)] == ["critical"] * 3 + ["warning"] * 2 + ["info"]
    assert f'href="/records/order/{shop.order_ids[2]}"' in page.text
    # Times in the store's timezone (Berlin is CET in winter, CEST in summer).
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", page.text)

    fulfillment = client.get("/detections", params={"tile": "fulfillment"})
    assert 'data-total="5"' in fulfillment.text
    cx = client.get("/detections", params={"tile": "cx"})
    assert 'data-total="1"' in cx.text
    assert "New tickets" in cx.text
    critical = client.get("/detections", params={"severity": "critical", "entity": "orders"})
    assert 'data-total="3"' in critical.text
    by_rule = client.get("/detections", params={"rule": "t.big"})
    assert [s for _, s in rows(by_rule.text)] == ["warning", "warning"]
    bad = client.get("/detections", params={"tile": "nope"})
    assert bad.status_code == 400
    assert "fulfillment" in bad.text


def test_the_inbox_pages_by_fifty(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotdash.detection.pages import detections as detection_pages

    monkeypatch.setattr(detection_pages, "PAGE_SIZE", 4)
    client = shop.client(Role.viewer)
    first, second = client.get("/detections"), client.get("/detections", params={"page": 2})
    assert len(rows(first.text)) == 4
    assert len(rows(second.text)) == 2
    assert 'href="/detections?page=2"' in first.text
    assert not set(rows(first.text)) & set(rows(second.text))


def test_tiles_show_their_open_detections_and_link_to_them(shop: Shop) -> None:
    client = shop.client(Role.viewer)
    today = client.get("/").text
    card = re.search(
        r'href="/detections\?tile=fulfillment" class="detections-link" data-count="(\d+)"', today
    )
    assert card is not None
    assert card.group(1) == "5"
    assert re.search(r'href="/detections\?tile=cx" class="detections-link" data-count="1"', today)
    assert 'data-count="0">0 open detections' in client.get("/tiles/seo").text


def test_operators_snooze_resolve_and_note_viewers_see_no_forms(shop: Shop) -> None:
    with unit_of_work(session_factory(shop.engine)) as session:
        items, _ = detections.list_detections(session=session, where=detections.DetectionFilter())
    target = items[0].id
    viewer = shop.client(Role.viewer)
    seen = viewer.get(f"/detections/{target}")
    assert seen.status_code == 200
    assert '<form method="post" action="/detections/' not in seen.text
    assert 'class="rule-link"' in seen.text
    assert 'class="record-link"' in seen.text
    forged = viewer.post(f"/detections/{target}/resolve", data={"csrf_token": csrf(viewer)})
    assert forged.status_code == 403

    operator = shop.client(Role.operator)
    token = csrf(operator)
    assert operator.post(f"/detections/{target}/snooze", data={"hours": "2"}).status_code == 403  # no token
    done = operator.post(
        f"/detections/{target}/snooze", data={"hours": "2", "csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    page = operator.get(done.headers["location"]).text
    assert 'data-status="snoozed"' in page
    assert 'data-total="5"' in operator.get("/detections").text
    refused = operator.post(f"/detections/{target}/snooze", data={"hours": "-1", "csrf_token": token})
    assert refused.status_code == 409
    assert "more than 0" in refused.text
    operator.post(f"/detections/{target}/notes", data={"text": "Called <the> carrier", "csrf_token": token})
    operator.post(f"/detections/{target}/resolve", data={"csrf_token": token})
    page = operator.get(f"/detections/{target}").text
    assert "Called &lt;the&gt; carrier" in page
    assert 'data-status="resolved"' in page
    with unit_of_work(session_factory(shop.engine)) as session:
        got = detections.get_detection(session=session, detection_id=target)
    assert got.status == "resolved"
    assert [n.text for n in got.notes] == ["Called <the> carrier"]
    assert operator.get("/detections/999999").status_code == 404


def test_the_rules_pages_show_state_counts_and_versions(shop: Shop) -> None:
    viewer = shop.client(Role.viewer)
    listing = viewer.get("/rules").text
    with unit_of_work(session_factory(shop.engine)) as session:
        counts = service.open_counts(session=session)
        by_key = {r.key: r.id for r in session.scalars(select(Rule))}
    for key, expected in (("t.late", 3), ("t.big", 2), ("t.new_tickets", 1)):
        assert counts[by_key[key]] == expected
        assert re.search(rf'<tr data-rule="{re.escape(key)}">.*?data-open="{expected}"', listing, re.S)
    assert "New rule" not in listing
    page = viewer.get("/rules/t.late").text
    assert "delay_hours &gt; 24" in page
    assert "Version 1" in page
    assert "Disable" not in page
    assert (
        viewer.post(
            "/rules/t.late/enabled", data={"enabled": "false", "csrf_token": csrf(viewer)}
        ).status_code
        == 403
    )
    assert viewer.get("/rules/new").status_code == 403
    assert viewer.get("/rules/nope").status_code == 404

    manager = shop.client(Role.manager)
    manager.post("/rules/t.late/enabled", data={"enabled": "false", "csrf_token": csrf(manager)})
    page = manager.get("/rules/t.late").text
    assert "<strong>disabled</strong>" in page
    assert "Version 2" in page
    assert re.search(r"Version 2</strong> by manager\d+@example.com", page)
    assert re.search(r'diff-before"><code>true</code>.*?diff-after"><code>false</code>', page, re.S)


def test_the_builder_checks_previews_and_saves_through_the_service(shop: Shop) -> None:
    manager = shop.client(Role.manager)
    assert 'id="catalogue"' in manager.get("/rules/new").text
    form = {"csrf_token": csrf(manager), "key": "t.first_big", "name": "Big late orders", "kind": "time",
            "entity": "orders", "severity": "critical", "days": "7"}  # fmt: skip
    wrong = manager.post(
        "/rules/new", data=form | {"expression": "delay_hours > 24 AND totl > 700", "action": "preview"}
    )
    assert wrong.status_code == 422
    assert "unknown field &#39;totl&#39;" in wrong.text
    assert "did you mean &#39;total&#39;" in wrong.text
    assert "AND <mark>t</mark>otl" in wrong.text

    expression = "delay_hours > 24 AND total > 700"
    preview = manager.post("/rules/new", data=form | {"expression": expression, "action": "preview"})
    assert preview.status_code == 200
    matching = re.search(r'data-matching-now="(\d+)"', preview.text)
    assert matching is not None
    assert matching.group(1) == "1"
    now_list = re.search(r'data-samples="now">(.*?)</ul>', preview.text, re.S)
    assert now_list is not None
    assert re.findall(r'href="/records/order/(\d+)"', now_list.group(1)) == [str(shop.order_ids[2])]
    with unit_of_work(session_factory(shop.engine)) as session:
        assert session.scalar(select(Rule).where(Rule.key == "t.first_big")) is None  # nothing saved yet

    saved = manager.post(
        "/rules/new", data=form | {"expression": expression, "action": "save"}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/rules/t.first_big?saved=1"
    with unit_of_work(session_factory(shop.engine)) as session:
        rule = service.get_rule(session=session, key="t.first_big")
        version = session.scalars(select(RuleVersion).where(RuleVersion.rule_id == rule.id)).one()
    assert rule.expression == expression
    assert version.author_label.startswith("manager")
    again = manager.post("/rules/new", data=form | {"expression": expression, "action": "save"})
    assert again.status_code == 409

    edit = manager.post(
        "/rules/t.first_big/edit",
        data=form | {"expression": "total > 850", "action": "save"},
        follow_redirects=False,
    )
    assert edit.status_code == 303
    assert "Version 2" in manager.get("/rules/t.first_big").text


def _detection_of(shop: Shop, rule_key: str, record_id: int | None = None) -> Detection:
    with unit_of_work(session_factory(shop.engine)) as session:
        query = select(Detection).join(Rule, Rule.id == Detection.rule_id).where(Rule.key == rule_key)
        if record_id is not None:
            query = query.where(Detection.record_id == record_id)
        found = session.scalars(query).all()
        session.expunge_all()
    assert len(found) == 1, [d.record_id for d in found]
    return found[0]


def _field(html: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd[^>]*>([^<]*)</dd>", html)
    assert found is not None, f"no {label!r} field"
    return found.group(1)


def test_a_detections_record_link_opens_the_order_with_its_number(shop: Shop) -> None:
    client = shop.client(Role.viewer)
    big = _detection_of(shop, "t.big", shop.order_ids[2])  # the order of 900
    with unit_of_work(session_factory(shop.engine)) as session:
        order = session.get(m.Order, big.record_id)
        assert order is not None
        number = order.number

    page = client.get(f"/detections/{big.id}").text
    link = re.search(r'<a href="([^"]+)" class="record-link">([^<]+)</a>', page)
    assert link is not None
    assert link.groups() == (f"/records/order/{order.id}", f"Order {number}")
    api = client.get(f"/api/v1/detections/{big.id}").json()
    assert api["record_url"] == f"/records/order/{order.id}"

    record = client.get(link.group(1))
    assert record.status_code == 200
    assert f'<h1 class="record-title">Order {number}</h1>' in record.text
    assert _field(record.text, "Order number") == number
    assert _field(record.text, "Total") == "$900.00"


def test_a_ticket_detections_link_opens_the_ticket_with_its_helpdesk_id(shop: Shop) -> None:
    client = shop.client(Role.viewer)
    new = _detection_of(shop, "t.new_tickets")
    with unit_of_work(session_factory(shop.engine)) as session:
        ticket = session.get(m.Ticket, new.record_id)
        assert ticket is not None
        subject, external_id = ticket.subject, ticket.external_id

    inbox = client.get("/detections").text
    assert f'<a href="/records/ticket/{ticket.id}">{subject}</a>' in inbox
    record = client.get(f"/records/ticket/{ticket.id}")
    assert record.status_code == 200
    assert f'<h1 class="record-title">{subject}</h1>' in record.text
    assert _field(record.text, "Ticket ID") == external_id


def test_an_unknown_kind_of_record_names_the_kinds_there_are(shop: Shop) -> None:
    client = shop.client(Role.viewer)
    for path in ("/records/orders/1", "/records/inventory_level/1"):
        missing = client.get(path)
        assert missing.status_code == 404
        kinds = (
            "order, ticket, shipment, sku, page, customer, team_member, refund, location, product, supplier"
        )
        assert f"the kinds are {kinds}." in missing.text


def test_the_inbox_filters_entities_by_their_rule_names_under_their_labels(shop: Shop) -> None:
    page = shop.client(Role.viewer).get("/detections", params={"entity": "tickets"}).text
    assert '<option value="tickets" selected>Tickets</option>' in page
    assert '<option value="page_traffic">Pages</option>' in page
    assert '<option value="team_members">Team members</option>' in page
    assert 'data-total="1"' in page


def test_record_links_keep_the_prefix_of_a_reverse_proxy(shop: Shop) -> None:
    add_user(shop.engine, "proxied@example.com", Role.viewer)
    token = add_token(shop.engine, "proxied@example.com")
    app = create_app(Settings(database_url=shop.app_url, detection_scheduler=False))
    with TestClient(app, root_path="/hotdash", headers=bearer(token)) as proxied:
        big = _detection_of(shop, "t.big", shop.order_ids[2])
        page = proxied.get(f"/detections/{big.id}").text
        link = re.search(r'<a href="([^"]+)" class="record-link">', page)
        assert link is not None
        assert link.group(1) == f"/hotdash/records/order/{shop.order_ids[2]}"
        record = proxied.get(link.group(1))
        assert record.status_code == 200
        assert '<h1 class="record-title">Order #' in record.text
