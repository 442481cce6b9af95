"""Rules that name tunables: one change on the thresholds page moves the rule, and its page and API say so.

Runs on SQLite and PostgreSQL, through the app as a manager uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotdash.app import create_app
from hotdash.auth import passwords
from hotdash.auth.models import Role
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store import models as m
from tests.auth.helpers import CHEAP_HASHER, add_token, add_user, sign_in
from tests.tiles.builders import add

BIG_ORDERS = {
    "key": "orders.big",
    "name": "High-value orders",
    "kind": "record",
    "entity": "orders",
    "expression": "total > tunable('cx.high_value_above')",
    "severity": "warning",
}
PER_LOCATION = {
    "key": "orders.busy_location",
    "name": "Many orders per location",
    "kind": "metric",
    "entity": "orders",
    "expression": "total > 0",
    "aggregate": "count",
    "group_by": "location.name",
    "thresholds": {"warning": "fulfillment.investigate_min", "critical": "fulfillment.critical_above + 1"},
}


@dataclass
class Manager:
    """A signed-in manager's browser, their API headers, and the database the app runs on."""

    client: TestClient
    headers: dict[str, str]
    engine: Engine


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", CHEAP_HASHER)


@pytest.fixture
def manager(engine: Engine) -> Iterator[Manager]:
    """A signed-in manager's browser and API headers, on an app over `engine` holding three orders."""
    now = datetime.now(UTC)
    with unit_of_work(session_factory(engine)) as session:
        store = add(session, m.Store)
        location = add(session, m.Location, store_id=store.id, name="Reno DC")
        for total in ("499.99", "500.00", "500.01", "700.00", "700.01"):
            add(
                session,
                m.Order,
                store_id=store.id,
                location_id=location.id,
                placed_at=now - timedelta(hours=1),
                total=Decimal(total),
            )
    add_user(engine, "dana@example.com", Role.manager)
    token = add_token(engine, "dana@example.com")
    url = engine.url.render_as_string(hide_password=False)
    with TestClient(create_app(Settings(database_url=url, detection_scheduler=False))) as client:
        sign_in(client, "dana@example.com")
        yield Manager(client, {"Authorization": f"Bearer {token}"}, engine)


def _matching_totals(manager: Manager) -> list[str]:
    """Run the rule and return the totals of the orders it has open detections for, smallest first."""
    ran = manager.client.post("/api/v1/rules/orders.big/run", headers=manager.headers)
    assert ran.status_code == 200, ran.text
    listed = manager.client.get(
        "/api/v1/detections", params={"rule": "orders.big"}, headers=manager.headers
    ).json()
    ids = [item["record_id"] for item in listed["items"]]
    with unit_of_work(session_factory(manager.engine)) as session:
        totals = session.scalars(select(m.Order.total).where(m.Order.id.in_(ids))).all()
    return [str(t) for t in sorted(totals)]


def test_a_rule_follows_a_tunable_changed_on_the_thresholds_page(manager: Manager) -> None:
    client, headers = manager.client, manager.headers
    assert client.post("/api/v1/rules", json=BIG_ORDERS, headers=headers).status_code == 201
    # Above $500: 500.00 is on the line, not above it.
    assert _matching_totals(manager) == ["500.01", "700.00", "700.01"]

    changed = client.put("/api/v1/thresholds/cx.high_value_above", json={"value": 700}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert _matching_totals(manager) == ["700.01"]

    rule = client.get("/api/v1/rules/orders.big", headers=headers).json()
    assert rule["tunables"] == [
        {
            "key": "cx.high_value_above",
            "label": "High-value issue above",
            "value": 700.0,
            "default": 500.0,
            "unit": "money",
            "is_default": False,
        }
    ]
    page = client.get("/rules/orders.big").text
    row = re.search(r'<table class="rule-tunables">.*?</table>', page, re.S)
    assert row is not None
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0))).strip()
    assert cells == (
        "Tunable Name Value in force Default "
        "High-value issue above cx.high_value_above 700 money 500 (changed)"
    )
    assert '<a href="/settings/thresholds#cx.high_value_above">High-value issue above</a>' in page


def test_metric_thresholds_given_as_tunables_move_with_them(manager: Manager) -> None:
    client, headers = manager.client, manager.headers
    created = client.post("/api/v1/rules", json=PER_LOCATION, headers=headers)
    assert created.status_code == 201, created.text

    def severity() -> str | None:
        client.post("/api/v1/rules/orders.busy_location/run", headers=headers)
        found = client.get(
            "/api/v1/detections", params={"rule": "orders.busy_location"}, headers=headers
        ).json()["items"]
        return found[0]["severity"] if found else None

    # Five orders: warning from 5 (on the line), critical above 15.
    assert severity() == "warning"
    client.put("/api/v1/thresholds/fulfillment.investigate_min", json={"value": 6}, headers=headers)
    assert severity() is None  # 5 is now under the line: resolved
    client.put("/api/v1/thresholds/fulfillment.investigate_min", json={"value": 2}, headers=headers)
    client.put("/api/v1/thresholds/fulfillment.critical_above", json={"value": 4}, headers=headers)
    assert severity() == "critical"  # 5 is over 4
    client.put("/api/v1/thresholds/fulfillment.critical_above", json={"value": 5}, headers=headers)
    assert severity() == "warning"  # 5 is not over 5
    used = client.get("/api/v1/rules/orders.busy_location", headers=headers).json()["tunables"]
    assert [(t["key"], t["value"]) for t in used] == [
        ("fulfillment.investigate_min", 2.0),
        ("fulfillment.critical_above", 5.0),
    ]


def test_an_unknown_tunable_is_refused_with_the_closest_name(manager: Manager) -> None:
    client, headers = manager.client, manager.headers
    typo = {**BIG_ORDERS, "expression": "total > tunable('cx.high_value_abov')"}
    response = client.post("/api/v1/rules", json=typo, headers=headers)
    assert response.status_code == 422
    (problem,) = response.json()["error"]["details"]["problems"]
    assert problem["field"] == "expression"
    assert problem["message"] == (
        "unknown tunable 'cx.high_value_abov' (did you mean 'cx.high_value_above'?): "
        "the thresholds page, /settings/thresholds, lists them"
    )
    bad = {**PER_LOCATION, "thresholds": {"warning": "fulfillment.investigate"}}
    response = client.post("/api/v1/rules", json=bad, headers=headers)
    assert response.status_code == 422
    assert "unknown tunable 'fulfillment.investigate' (did you mean 'fulfillment.investigate_min'?)" in (
        response.text
    )
