"""Reading and changing thresholds, and computing tiles."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.auth.audit import record
from hotdash.auth.models import User
from hotdash.tiles.models import ThresholdOverride
from hotdash.tiles.thresholds import BY_KEY, ORDERED, Thresholds


class ThresholdError(ValueError):
    """A threshold value that cannot be accepted; the message says why and what would be."""


def load_thresholds(*, session: Session) -> Thresholds:
    """Return the thresholds in force."""
    rows = session.execute(select(ThresholdOverride.key, ThresholdOverride.value)).all()
    return Thresholds({key: value for key, value in rows})


def _validate(key: str, value: float, current: Thresholds) -> None:
    spec = BY_KEY.get(key)
    if spec is None:
        raise ThresholdError(f"unknown threshold {key!r}")
    if not spec.minimum <= value <= spec.maximum:
        raise ThresholdError(
            f"{spec.label} must be between {spec.minimum:g} and {spec.maximum:g}, not {value:g}"
        )
    if spec.integer and value != int(value):
        raise ThresholdError(f"{spec.label} must be a whole number, not {value:g}")
    proposed = dict(current)
    proposed[key] = value
    for chain in ORDERED:
        if key not in chain:
            continue
        for lower, upper in itertools.pairwise(chain):
            if proposed[lower] > proposed[upper]:
                raise ThresholdError(
                    f"{BY_KEY[lower].label} ({proposed[lower]:g}) cannot exceed "
                    f"{BY_KEY[upper].label} ({proposed[upper]:g})"
                )


def set_threshold(*, session: Session, key: str, value: float, actor: User, now: datetime) -> Thresholds:
    """Set one threshold (an audited change) and return the thresholds now in force."""
    current = load_thresholds(session=session)
    _validate(key, value, current)
    before = current[key]
    row = session.scalar(select(ThresholdOverride).where(ThresholdOverride.key == key))
    if row is None:
        row = ThresholdOverride(key=key, value=value, updated_at=now, updated_by=actor.id)
        session.add(row)
    else:
        row.value, row.updated_at, row.updated_by = value, now, actor.id
    session.flush()
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
    return load_thresholds(session=session)


def reset_threshold(*, session: Session, key: str, actor: User, now: datetime) -> Thresholds:
    """Put one threshold back to its default (an audited change)."""
    if key not in BY_KEY:
        raise ThresholdError(f"unknown threshold {key!r}")
    current = load_thresholds(session=session)
    _validate(key, BY_KEY[key].default, current)
    row = session.scalar(select(ThresholdOverride).where(ThresholdOverride.key == key))
    if row is not None:
        session.delete(row)
        session.flush()
        record(
            session=session,
            at=now,
            actor=actor,
            action="threshold.reset",
            entity="threshold",
            entity_key=key,
            before={"value": current[key]},
            after={"value": BY_KEY[key].default},
        )
    return load_thresholds(session=session)
