"""Domain events and the in-process bus: how a lower context tells higher ones that something happened.

The store publishes "records upserted" without knowing who listens; detection subscribes in the app's wiring.
Events published with `publish_after_commit` reach subscribers only once the transaction that made them has
committed (and never if it rolls back), so a subscriber reading the database sees the change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

_PENDING = "hotdash.pending_events"


@dataclass(frozen=True)
class RecordsUpserted:
    """Records of one entity of one store were inserted or updated by an ingest (by their source ids)."""

    store_id: int
    source: str
    entity: str
    external_ids: tuple[str, ...]


@dataclass(frozen=True)
class DetectionsChanged:
    """A rule's evaluation opened, resolved or re-alerted detections (by fingerprint)."""

    rule_key: str
    store_id: int | None
    opened: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    alerted: tuple[str, ...] = ()


Handler = Callable[[Any], None]


@dataclass
class EventBus:
    """Synchronous publish/subscribe by event type; a failing subscriber is logged, the others still run."""

    _handlers: dict[type, list[Handler]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, kind: type, handler: Handler) -> Callable[[], None]:
        """Call `handler` with every event of `kind`; return a function that unsubscribes it."""
        with self._lock:
            self._handlers.setdefault(kind, []).append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers.get(kind, []):
                    self._handlers[kind].remove(handler)

        return unsubscribe

    def publish(self, item: object) -> None:
        """Deliver `item` to each subscriber of its type, now, in subscription order."""
        with self._lock:
            handlers = list(self._handlers.get(type(item), []))
        for handler in handlers:
            try:
                handler(item)
            except Exception:
                # The publisher's work is done and committed; one broken subscriber must not undo it.
                logger.exception("subscriber %r failed on %s", handler, type(item).__name__)


bus = EventBus()


def publish_after_commit(session: Session, item: object, *, to: EventBus | None = None) -> None:
    """Deliver `item` once `session`'s transaction commits; drop it if the transaction rolls back."""
    target = to or bus
    pending: list[tuple[EventBus, object]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _deliver)
        event.listen(session, "after_rollback", _drop)
    pending.append((target, item))


def _deliver(session: Session) -> None:
    pending: list[tuple[EventBus, object]] = session.info.get(_PENDING) or []
    session.info[_PENDING] = []
    for target, item in pending:
        target.publish(item)


def _drop(session: Session) -> None:
    session.info[_PENDING] = []
