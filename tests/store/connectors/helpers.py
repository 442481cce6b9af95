"""Reading the connector fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path("/work/shared/fixtures")


def load(*parts: str) -> Any:
    """Return a JSON fixture of these tests."""
    return json.loads(FIXTURES.joinpath(*parts).read_text())


def text(*parts: str) -> str:
    """Return a text fixture of these tests."""
    return FIXTURES.joinpath(*parts).read_text()


def shared(*parts: str) -> Any:
    """Return a recorded payload from the shared fixtures, as it is."""
    return json.loads(SHARED.joinpath(*parts).read_text())
