"""The detections inbox and one detection's page, with operators' actions (snooze, mute, resolve, note).

Everything shown comes from hotdash.detection.detections (the same functions the JSON API calls); this module
only reads the query, renders, and turns the services' refusals into a page that says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from hotdash.auth.deps import CurrentUser, require_role
from hotdash.auth.models import Role, User
from hotdash.detection import detections, service
from hotdash.detection.expression import ENTITIES
from hotdash.detection.models import Severity
from hotdash.detection.schemas import DetectionOut
from hotdash.detection.tilemap import TILE_NAMES
from hotdash.kernel.entities import display_names
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import PageError
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.session import DbSession
from hotdash.store.entities import ENTITIES as RECORD_ENTITIES
from hotdash.store.models import Store

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
STATUSES = ("open", "snoozed", "muted", "resolved")
Operator = Annotated[
    User, Depends(require_role(Role.operator, "Operators, managers and admins act on detections."))
]


@dataclass(frozen=True)
class Inbox:
    """The filters asked for, and the values each filter may take."""

    tile: str | None
    rule: str | None
    severity: str | None
    status: str
    entity: str | None
    page: int

    def query(self, **override: Any) -> str:
        values = {
            "tile": self.tile,
            "rule": self.rule,
            "severity": self.severity,
            "status": self.status if self.status != "open" else None,
            "entity": self.entity,
            "page": self.page if self.page > 1 else None,
        } | override
        if values["page"] == 1:
            values["page"] = None
        kept = {k: str(v) for k, v in values.items() if v not in (None, "")}
        return f"?{urlencode(kept)}" if kept else ""


def store_zones(session: DbSession) -> tuple[dict[int, str], str]:
    """Return store id -> timezone, and the first store's zone for detections of no store."""
    zones = {s.id: s.timezone for s in session.scalars(select(Store).order_by(Store.id))}
    return zones, next(iter(zones.values()), "UTC")


def record_names(session: DbSession, items: list[DetectionOut]) -> dict[int, str]:
    """Return detection id -> the display name of its record, for the detections of one record each."""
    wanted: dict[str, set[int]] = {}
    for d in items:
        if d.record_id is not None and d.record_url is not None:
            wanted.setdefault(d.entity, set()).add(d.record_id)
    names = {
        table: display_names(session=session, entity=RECORD_ENTITIES.by_table(table), ids=ids)
        for table, ids in wanted.items()
    }
    return {
        d.id: names[d.entity][d.record_id]
        for d in items
        if d.record_id is not None and d.record_id in names.get(d.entity, {})
    }


def _choice(value: str | None, allowed: tuple[str, ...] | list[str], what: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise PageError(
            400, f"Unknown {what}", f"{what.capitalize()} {value!r} is not one of {', '.join(allowed)}."
        )
    return value


@router.get("/detections", response_class=HTMLResponse, name="detections_page")
def detections_page(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    tile: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    entity: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Show the detections asked for (open ones by default), most severe and newest first, 50 a page."""
    rules = service.list_rules(session=session)
    inbox = Inbox(
        tile=_choice(tile, TILE_NAMES, "tile"),
        rule=_choice(rule, [r.key for r in rules], "rule"),
        severity=_choice(severity, tuple(s.value for s in Severity), "severity"),
        status=_choice(status, STATUSES, "status") or "open",
        entity=_choice(entity, tuple(ENTITIES), "entity"),
        page=page,
    )
    where = detections.DetectionFilter(
        status=(inbox.status,),
        severity=inbox.severity,
        rule_key=inbox.rule,
        entity=inbox.entity,
        tile=inbox.tile,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    items, total = detections.list_detections(session=session, where=where)
    zones, default_zone = store_zones(session)
    return render_page(
        request,
        "detections.html",
        {
            "items": items,
            "record_names": record_names(session, items),
            "total": total,
            "inbox": inbox,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "first": (page - 1) * PAGE_SIZE + 1,
            "rules": rules,
            "tile_names": TILE_NAMES,
            "severities": [s.value for s in Severity],
            "statuses": STATUSES,
            "entities": [(name, RECORD_ENTITIES.by_table(name).plural) for name in ENTITIES],
            "zones": zones,
            "default_zone": default_zone,
            "active": "detections",
        },
    )


def _timeline(d: DetectionOut) -> list[tuple[datetime, str]]:
    """Return what happened to a detection, oldest first."""
    events: list[tuple[datetime, str]] = [(d.first_seen, "First seen")]
    if d.last_alerted is not None:
        events.append((d.last_alerted, f"Last alerted (alert {d.alert_count})"))
    if d.times_opened > 1:
        events.append((d.last_seen, f"Re-opened; opened {d.times_opened} times in all"))
    if d.resolved_at is not None:
        events.append((d.resolved_at, "Resolved"))
    if d.snoozed_until is not None:
        events.append((d.snoozed_until, "Snoozed until"))
    if d.muted_until is not None:
        events.append((d.muted_until, "Muted until"))
    events.append((d.last_seen, "Last seen matching"))
    events += [(n.at, f"Note by {n.author}") for n in d.notes]
    return sorted(events, key=lambda e: e[0])


def _detection_page(
    request: Request, session: DbSession, user: User, detection_id: RowId, error: str | None = None
) -> HTMLResponse:
    try:
        detection = detections.get_detection(session=session, detection_id=detection_id)
    except detections.UnknownDetection as missing:
        raise PageError(
            404, "No such detection", f"{missing}. The inbox lists the current ones."
        ) from missing
    zones, default_zone = store_zones(session)
    zone = zones.get(detection.store_id or -1, default_zone)
    return render_page(
        request,
        "detection.html",
        {
            "d": detection,
            "record_name": record_names(session, [detection]).get(detection.id),
            "timeline": _timeline(detection),
            "zone": zone,
            "can_act": Role(user.role).at_least(Role.operator),
            "error": error,
            "notice": request.query_params.get("done") in ("snoozed", "muted", "resolved", "noted", "unmuted")
            and request.query_params.get("done"),
            "active": "detections",
        },
        status=409 if error else 200,
    )


@router.get("/detections/{detection_id}", response_class=HTMLResponse, name="detection_page")
def detection_page(
    request: Request, detection_id: RowId, session: DbSession, user: CurrentUser
) -> HTMLResponse:
    """Show one detection: its record, its rule, its timeline and notes; operators get the actions."""
    return _detection_page(request, session, user, detection_id)


def _hours(text: str) -> int:
    try:
        hours = float(text)
    except ValueError:
        raise ValueError("enter a number of hours, e.g. 4") from None
    if not 0 < hours <= 24 * 365:
        raise ValueError("the number of hours must be more than 0 and at most a year (8760)")
    return max(1, round(hours * 60))


@router.post("/detections/{detection_id}/{action}", response_class=HTMLResponse, name="detection_action")
def detection_action(
    request: Request,
    detection_id: RowId,
    action: str,
    session: DbSession,
    user: Operator,
    hours: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """Snooze or mute for some hours, unmute, resolve, or add a note; then back to the detection."""
    moment = now(request)
    try:
        if action in ("snooze", "mute"):
            act = detections.snooze if action == "snooze" else detections.mute
            act(session=session, detection_id=detection_id, now=moment, actor=user, minutes=_hours(hours))
        elif action == "unmute":
            detections.unmute(session=session, detection_id=detection_id, now=moment, actor=user)
        elif action == "resolve":
            detections.resolve(session=session, detection_id=detection_id, now=moment, actor=user)
        elif action == "notes":
            if not text.strip():
                raise ValueError("write the note first")
            if len(text) > 10_000:
                raise ValueError("a note holds at most 10,000 characters")
            detections.add_note(
                session=session, detection_id=detection_id, text=text.strip(), actor=user, now=moment
            )
        else:
            raise PageError(
                404, "No such action", "Detections can be snoozed, muted, unmuted, resolved or noted."
            )
    except detections.UnknownDetection as missing:
        raise PageError(404, "No such detection", str(missing)) from missing
    except (detections.ActionRefused, ValueError) as refused:
        return _detection_page(request, session, user, detection_id, error=f"Not done: {refused}.")
    done = {
        "snooze": "snoozed",
        "mute": "muted",
        "unmute": "unmuted",
        "resolve": "resolved",
        "notes": "noted",
    }
    back = request.url_for("detection_page", detection_id=detection_id).path
    return RedirectResponse(f"{back}?done={done[action]}", status_code=303)
