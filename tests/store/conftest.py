"""Fixtures of the store tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from hotdash.store.demo.service import DemoReport
from tests.store.demo_fixtures import build_demo


# Two seeds: the realism claims must hold for the store, not for one lucky draw.
@pytest.fixture(scope="module", params=[7, 2026], ids=["seed7", "seed2026"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, DemoReport]]:
    engine, report = build_demo(tmp_path_factory.mktemp("demo") / "demo.db", seed=request.param)
    yield engine, report
    engine.dispose()
