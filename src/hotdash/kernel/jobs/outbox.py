"""The transactional outbox: an event is stored in the transaction of the change it announces.

If that transaction rolls back the event never existed; once it commits, the worker dispatches it (one
delivery job per subscriber) however the process that wrote it ends. Events are the dataclasses of
`hotdash.events`, stored as JSON.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotdash.kernel.jobs.models import OutboxEvent


def encode(event: object) -> dict[str, Any]:
    """Return an event dataclass's fields as JSON values (tuples become lists)."""
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        raise TypeError(f"{type(event).__name__} is not a dataclass event")
    data: dict[str, Any] = dataclasses.asdict(event)
    return data


def publish(*, session: Session, event: object, now: datetime) -> OutboxEvent:
    """Store `event` in the caller's transaction, to be delivered to its subscribers once it commits."""
    row = OutboxEvent(type=type(event).__name__, data=encode(event), created_at=now)
    session.add(row)
    return row
