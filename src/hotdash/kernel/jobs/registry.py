"""What the worker knows how to do: a handler per job kind, and the subscribers of each event type."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

DEFAULT_MAX_ATTEMPTS = 5
DELIVERY_PREFIX = "event:"


class JobHandler(Protocol):
    """Does a job's work inside the job's transaction; raising rolls the work back and retries later.

    Returning a time makes the job recurring: the same row is queued again for then, its attempts reset.
    """

    def __call__(self, *, session: Session, payload: dict[str, Any]) -> datetime | None: ...


class Subscriber(Protocol):
    """Reacts to one event inside the delivery's transaction (exactly once, with its effect)."""

    def __call__(self, *, session: Session, event: Any) -> None: ...


@dataclass(frozen=True)
class Kind:
    """A registered job kind (how often a job may be tried is the enqueuer's choice, stored on the job)."""

    name: str
    handler: JobHandler


@dataclass(frozen=True)
class Subscription:
    """A subscriber of an event type; each event becomes one delivery job of kind `event:<name>`."""

    name: str
    event_type: type
    subscriber: Subscriber
    max_attempts: int

    @property
    def kind(self) -> str:
        return f"{DELIVERY_PREFIX}{self.name}"


@dataclass
class Registry:
    """Job kinds and event subscriptions, built once at startup by whoever runs the worker."""

    kinds: dict[str, Kind] = field(default_factory=dict)
    subscriptions: dict[str, list[Subscription]] = field(default_factory=dict)
    event_types: dict[str, type] = field(default_factory=dict)
    recurring: list[str] = field(default_factory=list)

    def add(self, name: str, handler: JobHandler) -> None:
        """Register `handler` for jobs of kind `name`."""
        if name in self.kinds:
            raise ValueError(f"job kind {name!r} is registered twice")
        self.kinds[name] = Kind(name, handler)

    def every(self, name: str, handler: JobHandler) -> None:
        """Register a recurring job: workers keep one queued (keyed `name`); the handler says when next."""
        self.add(name, handler)
        self.recurring.append(name)

    def subscribe(
        self,
        event_type: type,
        name: str,
        subscriber: Subscriber,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        """Deliver every stored event of `event_type` to `subscriber` once; `name` must stay stable."""
        if not dataclasses.is_dataclass(event_type):
            raise TypeError(f"{event_type.__name__} is not a dataclass event")
        subscription = Subscription(name, event_type, subscriber, max_attempts)
        self.event_types[event_type.__name__] = event_type

        def deliver(*, session: Session, payload: dict[str, Any]) -> None:
            subscriber(session=session, event=self.decode(payload["type"], payload["data"]))
            return None

        self.add(subscription.kind, deliver)
        self.subscriptions.setdefault(event_type.__name__, []).append(subscription)

    def register_type(self, event_type: type) -> None:
        """Know `event_type` by name even before anyone subscribes to it."""
        self.event_types[event_type.__name__] = event_type

    def decode(self, type_name: str, data: dict[str, Any]) -> Any:
        """Rebuild an event from its stored JSON (lists back into tuples where the field is a tuple)."""
        event_type = self.event_types.get(type_name)
        if event_type is None:
            raise LookupError(f"no event type {type_name!r} is registered")
        hints = typing.get_type_hints(event_type)
        values = {}
        for item in dataclasses.fields(event_type):
            if item.name not in data:
                continue
            value = data[item.name]
            if typing.get_origin(hints[item.name]) is tuple and isinstance(value, list):
                value = tuple(value)
            values[item.name] = value
        return event_type(**values)


Register = Callable[[Registry], None]
