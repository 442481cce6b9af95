"""The audit log: every change says who made it, when, and what it was before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.auth.models import AuditEntry, User


def record(
    *,
    session: Session,
    at: datetime,
    actor: User | None,
    action: str,
    entity: str,
    entity_key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log; the caller's unit of work commits it with the change itself."""
    entry = AuditEntry(
        at=at,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else "system",
        action=action,
        entity=entity,
        entity_key=entity_key,
        before=before,
        after=after,
        note=note,
    )
    session.add(entry)
    session.flush()
    return entry


def recent(*, session: Session, entity: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """Return the newest audit entries first, optionally for one kind of entity."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    return list(session.scalars(query))
