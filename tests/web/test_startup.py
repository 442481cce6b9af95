"""The server keeps its startup objects out of the garbage collector's way while it runs (hotdash.app)."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_the_startup_heap_is_frozen_while_serving_and_released_at_shutdown(app: FastAPI) -> None:
    before = gc.get_freeze_count()
    with TestClient(app) as client:
        # Modules, classes and functions: a full collection no longer walks them inside a request.
        assert gc.get_freeze_count() > max(before, 50_000)
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
