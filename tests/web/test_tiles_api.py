"""The tiles API answers as of the app's clock: the request clock reads the services create_app built."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hotdash.app import create_app
from hotdash.auth.models import Role
from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory
from hotdash.settings import Settings
from hotdash.tiles.dashboard import compute_dashboard, compute_tile
from hotdash.tiles.windows import WindowName
from tests.auth.helpers import add_token, add_user, bearer
from tests.store.demo_fixtures import DEMO_NOW, build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine, _ = build_demo(tmp_path_factory.mktemp("tiles-api") / "demo.db")
    add_user(engine, "robot@example.com", Role.viewer)
    yield engine
    engine.dispose()


def expected_tile(demo: Engine, now: datetime, name: str) -> dict[str, object]:
    """The tile computed in the test at `now`, without the web app, as the API would send it."""
    with session_factory(demo)() as session:
        tile = compute_tile(session=session, name=name, now=now, window=WindowName.today, store_id=None)
    return tile.model_dump(mode="json")


@pytest.mark.parametrize("hours_later", [0, 30])
def test_the_tiles_are_computed_at_the_apps_clock(demo: Engine, tmp_path: Path, hours_later: int) -> None:
    at = DEMO_NOW + timedelta(hours=hours_later)
    app = create_app(Settings(database_url=str(demo.url), detection_scheduler=False), clock=FrozenClock(at))
    headers = bearer(add_token(demo, "robot@example.com", name=f"api {hours_later}"))

    with TestClient(app) as client:
        board = client.get("/api/v1/tiles", headers=headers)
        sales = client.get("/api/v1/tiles/sales", headers=headers)

    assert board.status_code == 200, board.text
    assert datetime.fromisoformat(board.json()["computed_at"]) == at
    with session_factory(demo)() as session:
        expected = compute_dashboard(session=session, now=at, window=WindowName.today, store_id=None)
    assert [tile["name"] for tile in board.json()["tiles"]] == [tile.name for tile in expected.tiles]
    assert sales.status_code == 200, sales.text
    assert sales.json() == expected_tile(demo, at, "sales")
    if hours_later:
        # The other side: had the app ignored its clock, it would have answered as of the demo's moment.
        assert sales.json()["figures"] != expected_tile(demo, DEMO_NOW, "sales")["figures"]
