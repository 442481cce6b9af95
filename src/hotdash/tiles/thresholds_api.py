"""The thresholds, over HTTP: a JSON API and the Thresholds settings page.

Anyone signed in reads them; managers and admins change them. Every change goes through
hotdash.tiles.service, which writes it to the audit log (who, when, before and after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from hotdash.auth.deps import CurrentUser, require_role
from hotdash.auth.models import Role, User
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import ApiError
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.session import DbSession
from hotdash.kernel.tunables import BY_KEY, REGISTRY, Tunable, TunableError, Tunables, Unit, load_tunables
from hotdash.tiles import service

router = APIRouter(prefix="/api/v1/thresholds", tags=["thresholds"])
pages_router = APIRouter(include_in_schema=False)

CHANGE_REFUSED = "Managers and admins change thresholds; ask one of them to make this change."

# The tiles' titles in the order of the manager's morning check; a tile not listed is shown by its name.
TILE_TITLES = {
    "sales": "Sales Pulse",
    "cx": "CX Escalations",
    "fulfillment": "Fulfillment Health",
    "inventory": "Inventory Heatmap",
    "seo": "SEO Content",
    "team": "Team Performance",
}


Manager = Annotated[User, Depends(require_role(Role.manager, CHANGE_REFUSED))]


class ThresholdOut(BaseModel):
    """One threshold: what it means, its value in force and its default."""

    key: str
    tile: str
    label: str
    value: float
    default: float
    unit: Unit
    help: str
    min: float
    max: float
    integer: bool = Field(description="only whole numbers are accepted")
    is_default: bool

    @classmethod
    def of(cls, spec: Tunable, values: Tunables) -> ThresholdOut:
        return cls(
            key=spec.key,
            tile=spec.area,
            label=spec.label,
            value=values[spec.key],
            default=spec.default,
            unit=spec.unit,
            help=spec.help,
            min=spec.minimum,
            max=spec.maximum,
            integer=spec.integer,
            is_default=values.is_default(spec.key),
        )


class ThresholdChange(BaseModel):
    """A new value for a threshold."""

    model_config = ConfigDict(strict=True, extra="forbid")

    value: float = Field(allow_inf_nan=False, examples=[25])


def _spec(key: str) -> Tunable:
    spec = BY_KEY.get(key)
    if spec is None:
        raise ApiError(
            404, "unknown_threshold", f"There is no threshold {key!r}. GET /api/v1/thresholds lists them."
        )
    return spec


@router.get("", summary="List the thresholds")
def list_thresholds(session: DbSession) -> list[ThresholdOut]:
    """Return every threshold with its value in force, its default, unit, range and meaning."""
    values = load_tunables(session=session)
    return [ThresholdOut.of(spec, values) for spec in REGISTRY]


@router.get("/{key}", summary="Read one threshold")
def get_threshold(key: str, session: DbSession) -> ThresholdOut:
    """Return one threshold."""
    return ThresholdOut.of(_spec(key), load_tunables(session=session))


@router.put("/{key}", summary="Change a threshold (managers and admins)")
def set_threshold(
    key: str, body: ThresholdChange, request: Request, session: DbSession, user: Manager
) -> ThresholdOut:
    """Set a threshold; 422 with the reason if the value is out of range or out of order. Audited."""
    spec = _spec(key)
    try:
        values = service.set_threshold(
            session=session, key=key, value=body.value, actor=user, now=now(request)
        )
    except TunableError as exc:
        raise ApiError(422, "invalid_threshold", str(exc), {"key": key}) from exc
    return ThresholdOut.of(spec, values)


@router.delete("/{key}", summary="Reset a threshold to its default (managers and admins)")
def reset_threshold(key: str, request: Request, session: DbSession, user: Manager) -> ThresholdOut:
    """Put a threshold back to its default. Audited."""
    spec = _spec(key)
    try:
        values = service.reset_threshold(session=session, key=key, actor=user, now=now(request))
    except TunableError as exc:
        raise ApiError(422, "invalid_threshold", str(exc), {"key": key}) from exc
    return ThresholdOut.of(spec, values)


# The settings page


@dataclass(frozen=True)
class TileGroup:
    """The thresholds of one tile, for the page."""

    name: str
    title: str
    thresholds: list[ThresholdOut]


def _groups(values: Tunables) -> list[TileGroup]:
    by_tile: dict[str, list[ThresholdOut]] = {}
    for spec in REGISTRY:
        by_tile.setdefault(spec.area, []).append(ThresholdOut.of(spec, values))
    order = list(TILE_TITLES)
    names = sorted(by_tile, key=lambda name: (order.index(name) if name in order else len(order), name))
    return [TileGroup(name, TILE_TITLES.get(name, name.title()), by_tile[name]) for name in names]


def _page(
    request: Request,
    session: DbSession,
    user: User,
    *,
    notice: str | None = None,
    notice_key: str | None = None,
    error: str | None = None,
    error_key: str | None = None,
    status: int = 200,
) -> Response:
    return render_page(
        request,
        "settings_thresholds.html",
        {
            "groups": _groups(load_tunables(session=session)),
            "can_edit": Role(user.role).at_least(Role.manager),
            "notice": notice,
            # The page opens at the changed row (URL fragment), far from the notice: mark the row too.
            "notice_key": notice_key,
            "error": error,
            "error_key": error_key,
            "active": "thresholds",
        },
        status=status,
    )


def _format(value: float) -> str:
    return f"{value:g}"


@pages_router.get("/settings/thresholds", response_class=HTMLResponse, name="thresholds_page")
def thresholds_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    saved: str | None = None,
    reset: str | None = None,
) -> Response:
    """Show the thresholds grouped by tile; managers and admins get a form for each."""
    notice = notice_key = None
    # The notice is rebuilt from the registry and the value in force: a crafted URL cannot choose its words.
    values = load_tunables(session=session)
    for key, verb in ((saved, "Saved"), (reset, "Reset to default")):
        if key in BY_KEY:
            spec = BY_KEY[key]
            notice = f"{verb}: {spec.label} is now {_format(values[key])} ({spec.unit.replace('_', ' ')})."
            notice_key = key
    return _page(request, session, user, notice=notice, notice_key=notice_key)


@pages_router.post("/settings/thresholds/{key}", response_class=HTMLResponse, name="thresholds_update")
def thresholds_update(
    key: str,
    request: Request,
    session: DbSession,
    user: Manager,
    value: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "save",
) -> Response:
    """Save or reset one threshold, then go back to the page with a notice (or show why it was refused)."""
    spec = BY_KEY.get(key)
    if spec is None:
        return _page(request, session, user, error=f"There is no threshold {key!r}.", status=404)
    back = request.url_for("thresholds_page").path
    try:
        if action == "reset":
            service.reset_threshold(session=session, key=key, actor=user, now=now(request))
            return RedirectResponse(f"{back}?reset={key}#{key}", status_code=303)
        number = _parse_number(value, spec)
        service.set_threshold(session=session, key=key, value=number, actor=user, now=now(request))
    except TunableError as exc:
        return _page(request, session, user, error=f"Not saved: {exc}.", error_key=key, status=422)
    return RedirectResponse(f"{back}?saved={key}#{key}", status_code=303)


def _parse_number(text: str, spec: Tunable) -> float:
    try:
        number = float(text.strip().replace(",", ""))
    except ValueError:
        raise TunableError(f"{spec.label}: enter a number") from None
    if not math.isfinite(number):
        raise TunableError(f"{spec.label}: enter a finite number")
    return number
