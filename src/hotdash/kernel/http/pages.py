"""One way to render a page: the Jinja environment every page renders with, and `render_page`.

The templates and static files stay in `hotdash/web/`; the kernel finds them by path, without importing the
web layer. Contexts add their own filters through `make_templates(extensions=...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from hotdash import __version__
from hotdash.kernel.entities import ENTITIES
from hotdash.kernel.http.services import services_of

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


# What a path segment may hold as it is (RFC 3986 pchar, and "/" for `:path` parameters); the rest is
# percent-encoded. Starlette puts parameters into a path unencoded, so a category named "refund? #1" would
# otherwise end the path at "?".
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@jinja2.pass_context
def path_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """Return the path (not the absolute URL) of a named route, so links survive a reverse proxy."""
    request: Request = context["request"]
    encoded = {
        key: quote(value, safe=_PATH_SAFE) if isinstance(value, str) else value
        for key, value in params.items()
    }
    return request.url_for(name, **encoded).path


def _under_proxy(request: Request, path: str) -> str:
    """Return an app path under the prefix (root_path) a reverse proxy serves the app at."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/") + path


@jinja2.pass_context
def app_path(context: dict[str, Any], path: str) -> str:
    """Return a path the app made without a request (e.g. a detection's record_url) as this page links it."""
    return _under_proxy(context["request"], path)


@jinja2.pass_context
def record_url_of(context: dict[str, Any], table: str, record_id: int) -> str | None:
    """Return the page of a record named as rules name it (by table), or None if it has no page."""
    if not ENTITIES.knows_table(table):
        return None
    url = ENTITIES.by_table(table).url(record_id)
    return None if url is None else _under_proxy(context["request"], url)


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


def make_templates(extensions: Iterable[Callable[[jinja2.Environment], None]] = ()) -> Jinja2Templates:
    """Build the template environment with each of `extensions` adding its filters; called by create_app."""
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
    env.globals["app_path"] = app_path
    env.filters["local_time"] = local_time
    env.filters["iso_utc"] = iso_utc
    env.filters["thousands"] = thousands
    for extend in extensions:
        extend(env)
    return Jinja2Templates(env=env)


def render_page(
    request: Request, name: str, context: Mapping[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render the template `name` with `context` for `request`, with the HTTP `status`."""
    templates = services_of(request.app).templates
    return templates.TemplateResponse(request, name, dict(context), status_code=status)
