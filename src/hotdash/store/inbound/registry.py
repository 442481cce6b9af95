"""What a source provides to plug into the inbound machinery: a receiver and a handler."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from hotdash.store.inbound.delivery import Delivery
from hotdash.store.models.ingest import InboundEvent


@dataclass(frozen=True)
class Handled:
    """What a handler did with a delivery.

    processed: mapped and written (`message`: a note, e.g. a link left out).
    ignored: a topic the source does not map; the row is kept as received.
    failed: written in part (what the core accepted stays), some records refused; `message` says which.
    """

    status: Literal["processed", "ignored", "failed"]
    message: str | None = None


PROCESSED = Handled("processed")
IGNORED = Handled("ignored")


class Receiver(Protocol):
    """Authenticates one webhook request of a source and says what it is.

    `read` raises `WebhookRejected` (401 forged or unsigned, 400 missing headers, ...) and must check the
    signature before it trusts anything in the body or headers.
    """

    source: str

    def read(self, *, headers: Mapping[str, str], body: bytes, received_at: datetime) -> Delivery: ...


class Handler(Protocol):
    """Maps one stored delivery into the canonical model (flushing, never committing).

    Raising rolls back whatever the handler wrote for this delivery and marks it failed with the exception's
    message: it stays visible and is retried.
    """

    source: str

    def process(self, *, session: Session, event: InboundEvent) -> Handled: ...


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that can also map several deliveries at once, returning one outcome per delivery, in order.

    Deliveries are given oldest first; a later update of the same record must win over an earlier one, as
    when they are processed one by one. Raising rolls back the whole run, which is then mapped one by one.
    """

    source: str

    def process(self, *, session: Session, event: InboundEvent) -> Handled: ...

    def process_many(self, *, session: Session, events: Sequence[InboundEvent]) -> list[Handled]: ...


@dataclass
class Registry:
    """The receivers and handlers of every source, by source key."""

    receivers: dict[str, Receiver] = field(default_factory=dict)
    handlers: dict[str, Handler] = field(default_factory=dict)

    def add(self, *, receiver: Receiver | None = None, handler: Handler | None = None) -> None:
        """Register a source's receiver and/or handler."""
        if receiver is not None:
            self.receivers[receiver.source] = receiver
        if handler is not None:
            self.handlers[handler.source] = handler

    def sources(self) -> Iterable[str]:
        """Return the source keys that receive webhooks."""
        return self.receivers.keys()
