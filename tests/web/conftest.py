"""An app on a migrated SQLite file, an app on a database nobody migrated, and a way to add a small shop.

Every page and API route needs a signed-in user: `client` is signed in as a viewer (the least a person can
be), `client_as(role)` makes a client signed in with another role, `api_token(role)` a bearer token, and
`anon_client` is nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotdash.app import create_app
from hotdash.auth import passwords
from hotdash.auth.models import Role
from hotdash.clock import Clock, SystemClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store.models import Order, PageTraffic, Store, Ticket
from tests.auth.helpers import CHEAP_HASHER, add_token, add_user, sign_in

# 23:30 UTC on 2 March is already 3 March, 00:30 in Berlin: the page must show the local day.
ORDER_PLACED = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
LATER_ORDER = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
TICKET_CREATED = datetime(2026, 3, 4, 7, 15, tzinfo=UTC)

AddShop = Callable[..., None]
ClientAs = Callable[[Role], TestClient]
ApiToken = Callable[[Role], str]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", CHEAP_HASHER)


@pytest.fixture
def app_clock() -> Clock:
    """The clock the app runs on: the wall clock, unless a test module pins it by overriding this fixture."""
    return SystemClock()


@pytest.fixture
def app_settings(sqlite_url: str) -> Settings:
    """The app's settings: the migrated SQLite file; a test module may override this fixture."""
    return Settings(database_url=sqlite_url)


@pytest.fixture
def app(sqlite_engine: Engine, app_settings: Settings, app_clock: Clock) -> FastAPI:
    # sqlite_engine has migrated the file at sqlite_url; the app opens its own engine on it, as in production.
    return create_app(app_settings, clock=app_clock)


@pytest.fixture
def anon_client(app: FastAPI) -> Iterator[TestClient]:
    """A client nobody signed in."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(app: FastAPI, sqlite_engine: Engine) -> Iterator[TestClient]:
    """A client signed in (through the sign-in form) as viewer@example.com, a viewer."""
    add_user(sqlite_engine, "viewer@example.com", Role.viewer)
    with TestClient(app) as client:
        sign_in(client, "viewer@example.com")
        yield client


@pytest.fixture
def client_as(app: FastAPI, sqlite_engine: Engine) -> Iterator[ClientAs]:
    """Return a function that makes a client signed in as a new user with the given role."""
    clients: list[TestClient] = []

    def make(role: Role) -> TestClient:
        email = f"{role.value}{len(clients) + 1}@example.com"
        add_user(sqlite_engine, email, role)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        sign_in(client, email)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api_token(sqlite_engine: Engine) -> ApiToken:
    """Return a function that makes an API token for a new user with the given role."""
    made: list[str] = []

    def make(role: Role) -> str:
        email = f"robot-{role.value}{len(made) + 1}@example.com"
        add_user(sqlite_engine, email, role)
        made.append(add_token(sqlite_engine, email))
        return made[-1]

    return make


@pytest.fixture
def bare_client(tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app whose database file exists but was never migrated."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'never-migrated.db'}"))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def add_shop(sqlite_engine: Engine) -> AddShop:
    """Return a function that commits one store with orders, a ticket and a day of traffic."""

    def add(
        name: str = "Northwind Outfitters",
        currency: str = "EUR",
        timezone: str = "Europe/Berlin",
        orders: int = 2,
    ) -> None:
        with unit_of_work(session_factory(sqlite_engine)) as session:
            store = Store(
                source="shopify",
                external_id=f"shop-{name}",
                name=name,
                currency=currency,
                timezone=timezone,
                created_at=ORDER_PLACED,
            )
            session.add(store)
            session.flush()
            for n in range(orders):
                placed = ORDER_PLACED if n == 0 else LATER_ORDER
                session.add(
                    Order(
                        source="shopify",
                        external_id=f"{name}-order-{n}",
                        store_id=store.id,
                        number=f"#{1001 + n}",
                        channel="web",
                        currency=currency,
                        subtotal=Decimal("59.90"),
                        total=Decimal("64.90"),
                        financial_status="paid",
                        fulfillment_status="unfulfilled",
                        placed_at=placed,
                        updated_at=placed,
                    )
                )
            session.add(
                Ticket(
                    source="gorgias",
                    external_id=f"{name}-ticket-1",
                    store_id=store.id,
                    channel="email",
                    subject="Where is my order #1001?",
                    priority="normal",
                    status="new",
                    created_at=TICKET_CREATED,
                    updated_at=TICKET_CREATED,
                )
            )
            session.add(
                PageTraffic(
                    source="ga4",
                    external_id=f"{name}-traffic-1",
                    store_id=store.id,
                    day=date(2026, 3, 2),
                    landing_page="/",
                    sessions=812,
                    conversions=19,
                    revenue=Decimal("1233.10"),
                )
            )

    return add
