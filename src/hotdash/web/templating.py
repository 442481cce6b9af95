"""The Jinja2 environment every page renders with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from hotdash import __version__
from hotdash.store.entities import ENTITIES
from hotdash.web import formatting

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@jinja2.pass_context
def path_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """Return the path (not the absolute URL) of a named route, so links survive a reverse proxy."""
    request: Request = context["request"]
    return request.url_for(name, **params).path


def record_url_of(table: str, record_id: int) -> str | None:
    """Return the page of a record named as rules name it (by table), or None if it has no page."""
    return ENTITIES.by_table(table).url(record_id) if ENTITIES.knows_table(table) else None


def local_time(value: datetime | None, zone: str = "UTC") -> str:
    """Format a UTC timestamp in `zone`, e.g. "2026-11-20 14:05 CET"; an em dash when there is none."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def iso_utc(value: datetime | None) -> str:
    """Format a timestamp for a <time datetime=...> attribute."""
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat()


def thousands(value: int) -> str:
    """Group digits so a count of rows reads at a glance: 1,234,567."""
    return f"{value:,}"


def make_templates() -> Jinja2Templates:
    """Build the template environment; called by create_app so nothing is loaded at import time."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        # Always on, whatever the file extension: store names, ticket subjects and the like come from
        # imported data and must never become markup.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["path_for"] = path_for
    env.globals["version"] = __version__
    env.globals["record_url_of"] = record_url_of
    env.filters["local_time"] = local_time
    env.filters["iso_utc"] = iso_utc
    env.filters["thousands"] = thousands
    formatting.register(env)
    return Jinja2Templates(env=env)
