"""What operators do with detections: list and read them, snooze, mute, resolve, and write notes.

A snooze or mute is a state the evaluator honours (lifecycle.py); notes live in their own table, so
re-evaluation, resolution, re-opening and re-ingest never touch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hotdash.auth import audit
from hotdash.auth.models import User
from hotdash.detection.models import Detection, DetectionNote, Rule, Status
from hotdash.detection.schemas import DetectionOut, NoteOut
from hotdash.detection.tilemap import tile_column


class UnknownDetection(LookupError):
    """No detection has this id."""


class ActionRefused(ValueError):
    """The action does not fit the detection's state (e.g. snoozing a resolved one)."""


@dataclass(frozen=True)
class DetectionFilter:
    """What the inbox asks for; None means any."""

    status: tuple[str, ...] | None = ("open",)
    severity: str | None = None
    rule_key: str | None = None
    entity: str | None = None
    tile: str | None = None
    record_id: int | None = None
    limit: int = 100
    offset: int = 0


def list_detections(*, session: Session, where: DetectionFilter) -> tuple[list[DetectionOut], int]:
    """Return one page of detections, most severe and most recent first, and the total matching."""
    query = select(Detection, Rule).join(Rule, Rule.id == Detection.rule_id)
    if where.status:
        query = query.where(Detection.status.in_(where.status))
    if where.severity:
        query = query.where(Detection.severity == where.severity)
    if where.rule_key:
        query = query.where(Rule.key == where.rule_key)
    if where.entity:
        query = query.where(Detection.entity == where.entity)
    if where.tile:
        query = query.where(tile_column() == where.tile)
    if where.record_id is not None:
        query = query.where(Detection.record_id == where.record_id)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rank = case({"critical": 2, "warning": 1}, value=Detection.severity, else_=0)
    rows = session.execute(
        query.order_by(rank.desc(), Detection.last_seen.desc(), Detection.id.desc())
        .limit(where.limit)
        .offset(where.offset)
        .execution_options(populate_existing=True)
    ).all()
    return [DetectionOut.of(d, r) for d, r in rows], total


def _get(session: Session, detection_id: int) -> tuple[Detection, Rule]:
    row = session.execute(
        select(Detection, Rule)
        .join(Rule, Rule.id == Detection.rule_id)
        .where(Detection.id == detection_id)
        # The evaluator changes detections with set-based UPDATEs: read the row, not a stale copy.
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise UnknownDetection(f"there is no detection {detection_id}")
    return row[0], row[1]


def get_detection(*, session: Session, detection_id: int) -> DetectionOut:
    """Return one detection with its notes, oldest note first."""
    detection, rule = _get(session, detection_id)
    notes = session.scalars(
        select(DetectionNote)
        .where(DetectionNote.detection_id == detection.id)
        .order_by(DetectionNote.at, DetectionNote.id)
    )
    return DetectionOut.of(
        detection, rule, [NoteOut(id=n.id, author=n.author_label, at=n.at, text=n.text) for n in notes]
    )


def _until(now: datetime, minutes: int | None, until: datetime | None) -> datetime:
    if (minutes is None) == (until is None):
        raise ActionRefused("give either minutes or until")
    moment = until if until is not None else now + timedelta(minutes=minutes or 0)
    if moment <= now:
        raise ActionRefused("the end of the window must be in the future")
    return moment


def _state(detection: Detection) -> dict[str, str | None]:
    return {
        "status": detection.status,
        "snoozed_until": detection.snoozed_until.isoformat() if detection.snoozed_until else None,
        "muted_until": detection.muted_until.isoformat() if detection.muted_until else None,
    }


def _audited(
    session: Session,
    detection: Detection,
    *,
    action: str,
    actor: User | None,
    now: datetime,
    before: dict[str, str | None],
) -> DetectionOut:
    # Who silenced or closed a detection is what a manager asks first when something was missed.
    session.flush()
    audit.record(
        session=session,
        at=now,
        actor=actor,
        action=f"detection.{action}",
        entity="detection",
        entity_key=str(detection.id),
        before=before,
        after=_state(detection),
    )
    return get_detection(session=session, detection_id=detection.id)


def snooze(
    *,
    session: Session,
    detection_id: int,
    now: datetime,
    actor: User | None,
    minutes: int | None = None,
    until: datetime | None = None,
) -> DetectionOut:
    """Hide and silence an open detection until a time; then it is open again if it still matches."""
    detection, _ = _get(session, detection_id)
    if detection.status == Status.resolved.value:
        raise ActionRefused("this detection is resolved; there is nothing to snooze")
    before = _state(detection)
    detection.status = Status.snoozed.value
    detection.snoozed_until = _until(now, minutes, until)
    return _audited(session, detection, action="snooze", actor=actor, now=now, before=before)


def mute(
    *,
    session: Session,
    detection_id: int,
    now: datetime,
    actor: User | None,
    minutes: int | None = None,
    until: datetime | None = None,
) -> DetectionOut:
    """Silence a detection until a time, even if it resolves and fires again meanwhile."""
    detection, _ = _get(session, detection_id)
    before = _state(detection)
    detection.muted_until = _until(now, minutes, until)
    if detection.status != Status.resolved.value:
        detection.status = Status.muted.value
        detection.snoozed_until = None
    return _audited(session, detection, action="mute", actor=actor, now=now, before=before)


def unmute(*, session: Session, detection_id: int, now: datetime, actor: User | None) -> DetectionOut:
    """End a snooze or mute now: the detection is open (if not resolved)."""
    detection, _ = _get(session, detection_id)
    before = _state(detection)
    detection.muted_until = None
    detection.snoozed_until = None
    if detection.status in (Status.muted.value, Status.snoozed.value):
        detection.status = Status.open.value
    return _audited(session, detection, action="unmute", actor=actor, now=now, before=before)


def resolve(*, session: Session, detection_id: int, now: datetime, actor: User | None) -> DetectionOut:
    """Mark a detection resolved by hand; if its condition still holds, the next evaluation re-opens it."""
    detection, _ = _get(session, detection_id)
    if detection.status == Status.resolved.value:
        raise ActionRefused("this detection is resolved already")
    before = _state(detection)
    detection.status = Status.resolved.value
    detection.resolved_at = now
    detection.snoozed_until = None
    return _audited(session, detection, action="resolve", actor=actor, now=now, before=before)


def add_note(
    *,
    session: Session,
    detection_id: int,
    text: str,
    actor: User | None,
    now: datetime,
    author: str | None = None,
) -> DetectionOut:
    """Add an operator's note to a detection."""
    detection, _ = _get(session, detection_id)
    label = actor.email if actor is not None else (author or "system")
    note = DetectionNote(
        detection_id=detection.id,
        author_id=actor.id if actor else None,
        author_label=label,
        at=now,
        text=text,
    )
    session.add(note)
    session.flush()
    # The note's text is the operator's own words, kept with the detection; the log says who wrote one, when.
    audit.record(
        session=session,
        at=now,
        actor=actor,
        action="detection.note",
        entity="detection",
        entity_key=str(detection.id),
        before=None,
        after={"note_id": note.id, "characters": len(text)},
        note=None if actor is not None else label,
    )
    return get_detection(session=session, detection_id=detection_id)
