"""Importing over HTTP: the file upload API, the imports page, and the event API."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from hotdash.auth.models import Role
from hotdash.db.session import session_factory
from hotdash.store.ingest.api import MAX_INGEST_BYTES
from hotdash.store.models import Customer, ImportRun, Order
from tests.auth.helpers import bearer
from tests.web.conftest import AddShop, ApiToken, ClientAs

CSV = (
    "external_id,email,name,created_at,updated_at\n"
    "C1,ada@example.com,Ada,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\n"
    "C2,bob@example.com,Bob,not a date,2026-11-01\n"
)


def customers(engine: Engine) -> dict[str, str | None]:
    with session_factory(engine)() as session:
        return {ext: name for ext, name in session.execute(select(Customer.external_id, Customer.name))}


def test_an_operator_token_imports_a_file_and_gets_the_rejects_with_reasons(
    anon_client: TestClient, api_token: ApiToken, add_shop: AddShop, sqlite_engine: Engine
) -> None:
    add_shop()
    token = api_token(Role.operator)

    response = anon_client.post(
        "/api/v1/imports/customers",
        files={"file": ("people.csv", CSV.encode(), "text/csv")},
        headers=bearer(token),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["inserted"], body["rejected"], body["rows"], body["format"]) == (1, 1, 2, "csv")
    reason = "'not a date' is not a timestamp: use ISO 8601, e.g. 2026-11-30T14:05:00+01:00"
    assert body["first_rejects"] == [{"row": 3, "errors": [{"field": "created_at", "message": reason}]}]
    assert customers(sqlite_engine) == {"C1": "Ada"}
    rejects = anon_client.get(body["rejects_url"], headers=bearer(token))
    assert rejects.status_code == 200
    assert rejects.headers["content-type"].startswith("text/csv")
    assert rejects.text.splitlines()[1].startswith("C2,bob@example.com,Bob,not a date,2026-11-01,")

    again = anon_client.post(
        "/api/v1/imports/customers",
        files={"file": ("people.csv", CSV.encode(), "text/csv")},
        headers=bearer(token),
    ).json()
    assert (again["inserted"], again["unchanged"]) == (0, 1)
    listed = anon_client.get("/api/v1/imports", headers=bearer(token)).json()
    assert [(run["id"], run["inserted"], run["unchanged"]) for run in listed] == [(2, 0, 1), (1, 1, 0)]


def test_a_viewer_cannot_import(anon_client: TestClient, api_token: ApiToken, add_shop: AddShop) -> None:
    add_shop()
    response = anon_client.post(
        "/api/v1/imports/customers",
        files={"file": ("people.csv", CSV.encode(), "text/csv")},
        headers=bearer(api_token(Role.viewer)),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_an_unreadable_file_or_entity_is_a_4xx_that_says_why(
    anon_client: TestClient, api_token: ApiToken, add_shop: AddShop
) -> None:
    add_shop()
    token = bearer(api_token(Role.operator))

    binary = anon_client.post(
        "/api/v1/imports/customers", files={"file": ("x.csv", b"\x00\x01\x02")}, headers=token
    )
    unknown = anon_client.post(
        "/api/v1/imports/invoices", files={"file": ("x.csv", CSV.encode())}, headers=token
    )

    assert binary.status_code == 422
    assert binary.json()["error"]["code"] == "unreadable_file"
    assert "binary" in binary.json()["error"]["message"]
    assert unknown.status_code == 404
    assert "customers" in unknown.json()["error"]["message"]


def page_csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/imports").text)
    assert match is not None
    return match.group(1)


def test_an_operator_uploads_on_the_page_and_downloads_the_rejects(
    client_as: ClientAs, add_shop: AddShop, sqlite_engine: Engine
) -> None:
    add_shop()
    operator = client_as(Role.operator)

    page = operator.post(
        "/imports",
        data={"entity": "customers", "source": "file", "csrf_token": page_csrf(operator)},
        files={"file": ("people.csv", CSV.encode(), "text/csv")},
    )

    assert page.status_code == 200
    assert "1 inserted" in page.text
    assert "Row 3: <code>created_at</code>: &#39;not a date&#39; is not a timestamp" in page.text
    assert customers(sqlite_engine) == {"C1": "Ada"}
    download = operator.get("/imports/1/rejects")
    assert download.status_code == 200
    assert "_error" in download.text.splitlines()[0]


def test_the_upload_form_needs_its_csrf_token_and_the_operator_role(
    client_as: ClientAs, client: TestClient, add_shop: AddShop, sqlite_engine: Engine
) -> None:
    add_shop()
    operator = client_as(Role.operator)
    forged = operator.post(
        "/imports", data={"entity": "customers"}, files={"file": ("people.csv", CSV.encode(), "text/csv")}
    )
    viewer_page = client.get("/imports")
    viewer_post = client.post(
        "/imports",
        data={
            "entity": "customers",
            "csrf_token": page_csrf(client) if "csrf_token" in viewer_page.text else "",
        },
        files={"file": ("people.csv", CSV.encode(), "text/csv")},
    )

    assert forged.status_code == 403
    assert viewer_page.status_code == 200
    assert "Import a file" not in viewer_page.text
    assert viewer_post.status_code == 403
    assert customers(sqlite_engine) == {}


def envelope(records: list[Any], **extra: Any) -> dict[str, Any]:
    return {"source": "webshop", "records": records, **extra}


ORDER = {
    "external_id": "W1",
    "number": "#1",
    "channel": "web",
    "currency": "EUR",
    "subtotal": "10.00",
    "total": 12.5,
    "financial_status": "paid",
    "fulfillment_status": "unfulfilled",
    "placed_at": "2026-11-30T10:00:00Z",
    "updated_at": "2026-11-30T10:00:00+01:00",
}


def test_the_event_api_answers_each_record_and_commits_the_good_ones(
    anon_client: TestClient, api_token: ApiToken, add_shop: AddShop, sqlite_engine: Engine
) -> None:
    add_shop()
    token = bearer(api_token(Role.operator))
    records = [
        ORDER,
        {**ORDER, "external_id": "W2", "total": True},
        {**ORDER, "external_id": "W3", "placed_at": "2026-11-30T10:00:00"},
        {**ORDER, "external_id": "W4", "customer_external_id": "nobody"},
    ]

    response = anon_client.post("/api/v1/ingest/orders", json=envelope(records), headers=token)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"]["inserted"] == 1
    assert body["counts"]["rejected"] == 3
    assert [(r["index"], r["external_id"], r["outcome"]) for r in body["results"]] == [
        (0, "W1", "inserted"), (1, "W2", "rejected"), (2, "W3", "rejected"), (3, "W4", "rejected"),
    ]  # fmt: skip
    assert [e["field"] for r in body["results"][1:] for e in r["errors"]] == [
        "total",
        "placed_at",
        "customer_external_id",
    ]
    assert "timezone" in body["results"][2]["errors"][0]["message"]
    with session_factory(sqlite_engine)() as session:
        total = session.execute(select(Order.total).where(Order.external_id == "W1")).scalar_one()
    assert str(total) == "12.50"

    repeat = anon_client.post("/api/v1/ingest/orders", json=envelope([ORDER]), headers=token).json()
    assert repeat["results"][0]["outcome"] == "unchanged"


def test_a_bad_envelope_is_a_422_in_the_error_shape(
    anon_client: TestClient, api_token: ApiToken, add_shop: AddShop
) -> None:
    add_shop()
    token = bearer(api_token(Role.operator))
    cases = [
        {"records": [ORDER]},
        {"source": "webshop", "records": {"not": "a list"}},
        {"source": "webshop", "store_id": "1", "records": []},
        {"source": "webshop", "records": [], "extra": 1},
        {"source": "web shop!", "records": []},
    ]
    for case in cases:
        response = anon_client.post("/api/v1/ingest/orders", json=case, headers=token)
        assert response.status_code == 422, case
        assert response.json()["error"]["code"] == "validation_error"
    not_json = anon_client.post("/api/v1/ingest/orders", content=b"{oops", headers=token)
    assert not_json.status_code == 422
    unknown_store = anon_client.post("/api/v1/ingest/orders", json=envelope([], store_id=99), headers=token)
    assert unknown_store.json()["error"]["code"] == "unknown_store"


def test_the_event_api_refuses_big_bodies_sessions_and_viewers(
    anon_client: TestClient,
    api_token: ApiToken,
    add_shop: AddShop,
    client_as: ClientAs,
    sqlite_engine: Engine,
) -> None:
    add_shop()
    big = json.dumps(envelope([{**ORDER, "external_id": f"B{i}", "tags": "x" * 2000} for i in range(3000)]))
    assert len(big) > MAX_INGEST_BYTES

    too_big = anon_client.post("/api/v1/ingest/orders", content=big, headers=bearer(api_token(Role.operator)))
    viewer = anon_client.post(
        "/api/v1/ingest/orders", json=envelope([ORDER]), headers=bearer(api_token(Role.viewer))
    )
    operator = client_as(Role.operator)
    session_call = operator.post(
        "/api/v1/ingest/orders", json=envelope([ORDER]), headers={"X-CSRF-Token": page_csrf(operator)}
    )

    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "payload_too_large"
    assert viewer.status_code == 403
    assert session_call.status_code == 403
    assert "API token" in session_call.json()["error"]["message"]
    with session_factory(sqlite_engine)() as session:
        assert (
            session.execute(select(func.count()).select_from(Order).where(Order.source == "webshop")).scalar()
            == 0
        )
        assert session.execute(select(func.count()).select_from(ImportRun)).scalar() == 0
