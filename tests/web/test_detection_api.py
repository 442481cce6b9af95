"""The rules and detections API: managers edit rules, operators act on detections, errors in the one shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.auth import audit
from hotdash.auth.models import Role, User
from hotdash.db.session import session_factory, unit_of_work
from hotdash.store import models as m
from tests.tiles.builders import add
from tests.web.conftest import ApiToken

LATE_RULE = {
    "key": "orders.late",
    "name": "Late orders",
    "kind": "time",
    "entity": "orders",
    "expression": "delay_hours > 24",
    "severity": "critical",
}


def _late_order(engine: Engine) -> int:
    now = datetime.now(UTC)
    with unit_of_work(session_factory(engine)) as session:
        store = add(session, m.Store)
        order = add(
            session,
            m.Order,
            store_id=store.id,
            placed_at=now - timedelta(days=5),
            ship_by=now - timedelta(days=2),
            total=Decimal("80"),
        )
        return order.id


def test_a_manager_creates_runs_and_changes_a_rule(
    client: TestClient, api_token: ApiToken, sqlite_engine: Engine
) -> None:
    order_id = _late_order(sqlite_engine)
    manager = {"Authorization": f"Bearer {api_token(Role.manager)}"}
    created = client.post("/api/v1/rules", json=LATE_RULE, headers=manager)
    assert created.status_code == 201, created.text
    assert created.json()["definition"]["expression"] == "delay_hours > 24"
    again = client.post("/api/v1/rules", json=LATE_RULE, headers=manager)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "rule_exists"

    ran = client.post("/api/v1/rules/orders.late/run", headers=manager).json()
    assert (ran["matches"], ran["opened"], ran["error"]) == (1, 1, None)
    listed = client.get("/api/v1/detections", headers=manager).json()
    assert listed["total"] == 1
    assert listed["items"][0]["record_id"] == order_id
    assert listed["items"][0]["severity"] == "critical"

    changed = client.patch(
        "/api/v1/rules/orders.late", json={"expression": "delay_hours > 96"}, headers=manager
    )
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    versions = client.get("/api/v1/rules/orders.late/versions", headers=manager).json()
    assert versions[0]["diff"] == {"expression": ["delay_hours > 24", "delay_hours > 96"]}
    client.post("/api/v1/rules/orders.late/run", headers=manager)
    assert client.get("/api/v1/detections", headers=manager).json()["total"] == 0
    resolved = client.get("/api/v1/detections", params={"status": "resolved"}, headers=manager).json()
    assert resolved["total"] == 1
    assert resolved["items"][0]["resolved_at"] is not None


def test_a_rule_that_does_not_compile_is_a_422_naming_the_position(
    client: TestClient, api_token: ApiToken
) -> None:
    manager = {"Authorization": f"Bearer {api_token(Role.manager)}"}
    response = client.post(
        "/api/v1/rules", json={**LATE_RULE, "expression": "delay_hours > 24 AND totl > 5"}, headers=manager
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_rule"
    assert "totl" in error["message"]
    (problem,) = error["details"]["problems"]
    assert problem["field"] == "expression"
    assert problem["column"] == 22
    assert "total" in problem["message"]
    checked = client.post("/api/v1/rules/check", json={**LATE_RULE, "threshold_op": "=>"}, headers=manager)
    assert checked.status_code == 422
    assert checked.json()["error"]["code"] != "internal_error"
    lax = client.post("/api/v1/rules", json={**LATE_RULE, "enabled": "yes"}, headers=manager)
    assert lax.status_code == 422  # strict: "yes" is not a boolean


def test_an_operator_snoozes_notes_and_resolves_but_cannot_edit(
    client: TestClient, api_token: ApiToken, sqlite_engine: Engine
) -> None:
    _late_order(sqlite_engine)
    manager = {"Authorization": f"Bearer {api_token(Role.manager)}"}
    operator = {"Authorization": f"Bearer {api_token(Role.operator)}"}
    client.post("/api/v1/rules", json=LATE_RULE, headers=manager)
    client.post("/api/v1/rules/orders.late/run", headers=manager)
    (item,) = client.get("/api/v1/detections", headers=operator).json()["items"]
    url = f"/api/v1/detections/{item['id']}"
    refused = client.patch("/api/v1/rules/orders.late", json={"severity": "info"}, headers=operator)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["required_role"] == "manager"

    snoozed = client.post(f"{url}/snooze", json={"minutes": 60}, headers=operator).json()
    assert snoozed["status"] == "snoozed"
    assert snoozed["snoozed_until"] is not None
    assert client.post(f"{url}/snooze", json={}, headers=operator).json()["error"]["code"] == "action_refused"
    bad_time = client.post(f"{url}/mute", json={"until": "tomorrow"}, headers=operator)
    assert bad_time.status_code == 422
    assert bad_time.json()["error"]["code"] == "invalid_time"
    noted = client.post(f"{url}/notes", json={"text": "Customer called"}, headers=operator)
    assert noted.status_code == 201
    assert [n["text"] for n in noted.json()["notes"]] == ["Customer called"]
    done = client.post(f"{url}/resolve", headers=operator).json()
    assert done["status"] == "resolved"
    # The condition still holds: the next evaluation re-opens the same detection, notes kept.
    client.post("/api/v1/rules/orders.late/run", headers=manager)
    back = client.get(url, headers=operator).json()
    assert (back["status"], back["times_opened"], len(back["notes"])) == ("open", 2, 1)
    # Each operator's action is in the audit log with who did it and what the detection was before and after.
    with Session(sqlite_engine) as session:
        entries = list(reversed(audit.recent(session=session, entity="detection")))
        operator_email = session.scalars(select(User.email).where(User.role == "operator")).one()
    assert [(e.action, e.entity_key, e.actor_label) for e in entries] == [
        ("detection.snooze", str(item["id"]), operator_email),
        ("detection.note", str(item["id"]), operator_email),
        ("detection.resolve", str(item["id"]), operator_email),
    ]
    assert entries[0].before == {"status": "open", "snoozed_until": None, "muted_until": None}
    assert entries[0].after == {
        "status": "snoozed",
        "snoozed_until": snoozed["snoozed_until"].replace("Z", "+00:00"),
        "muted_until": None,
    }
    assert entries[2].before["status"] == "snoozed"
    assert entries[2].after == {"status": "resolved", "snoozed_until": None, "muted_until": None}
    assert (
        client.get("/api/v1/detections/999999", headers=operator).json()["error"]["code"]
        == "unknown_detection"
    )
    assert client.get("/api/v1/rules/nope", headers=operator).status_code == 404
