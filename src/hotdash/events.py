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
from sqlalchemy.orm import Session, SessionTransaction

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
    """Deliver `item` once `session`'s outermost transaction commits; drop it if the part that made it (the
    whole transaction, or the SAVEPOINT it was published in) rolls back."""
    target = to or bus
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _deliver)
        event.listen(session, "after_soft_rollback", _drop)
    owner = session.get_nested_transaction() or session.get_transaction()
    pending.append((owner, target, item))


_Pending = tuple[SessionTransaction | None, EventBus, object]


def _deliver(session: Session) -> None:
    # after_commit fires when a SAVEPOINT is released too. The outer transaction is still open then (SQLite:
    # it holds the write lock that a subscriber's own transaction would wait for): wait for the real commit.
    if session.get_nested_transaction() is not None:
        return
    pending: list[_Pending] = session.info.get(_PENDING) or []
    session.info[_PENDING] = []
    for _owner, target, item in pending:
        target.publish(item)


def _drop(session: Session, previous_transaction: SessionTransaction) -> None:
    # A rolled-back SAVEPOINT drops only what was published inside it; the outer transaction's events stay.
    pending: list[_Pending] = session.info.get(_PENDING) or []
    session.info[_PENDING] = [entry for entry in pending if not _inside(entry[0], previous_transaction)]


def _inside(owner: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while owner is not None:
        if owner is ended:
            return True
        owner = owner.parent
    return False
