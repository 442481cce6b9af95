"""Changing tunables as a manager does (audited), and reading the values in force for the tiles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotdash.auth.audit import record
from hotdash.auth.models import User
from hotdash.kernel.tunables import BY_KEY, Tunables, load_tunables, remove_override, store_override

__all__ = ["load_tunables", "reset_threshold", "set_threshold"]


def set_threshold(*, session: Session, key: str, value: float, actor: User, now: datetime) -> Tunables:
    """Set one tunable (an audited change) and return the tunables now in force."""
    before, values = store_override(session=session, key=key, value=value, now=now, user_id=actor.id)
    record(
        session=session,
        at=now,
        actor=actor,
        action="threshold.update",
        entity="threshold",
        entity_key=key,
        before={"value": before},
        after={"value": value},
    )
    return values


def reset_threshold(*, session: Session, key: str, actor: User, now: datetime) -> Tunables:
    """Put one tunable back to its default (an audited change)."""
    before, values = remove_override(session=session, key=key)
    if before is not None:
        record(
            session=session,
            at=now,
            actor=actor,
            action="threshold.reset",
            entity="threshold",
            entity_key=key,
            before={"value": before},
            after={"value": BY_KEY[key].default},
        )
    return values
