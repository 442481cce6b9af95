"""One delivery as received, and the ways a receiver turns one away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotdash.kernel.http.errors import ApiError


@dataclass(frozen=True)
class Delivery:
    """What a receiver read from one authenticated request: stored as one `inbound_events` row."""

    source: str
    delivery_id: str
    topic: str
    shop: str | None
    payload: str
    received_at: datetime

    def row(self) -> dict[str, Any]:
        """Return the `inbound_events` row for this delivery."""
        return {
            "source": self.source,
            "delivery_id": self.delivery_id,
            "topic": self.topic,
            "shop": self.shop,
            "payload": self.payload,
            "received_at": self.received_at,
            "status": "pending",
            "attempts": 0,
        }


class WebhookRejected(ApiError):
    """A delivery refused before anything was stored; rendered in the one error shape."""

    def __init__(self, status_code: int, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(status_code, code, message, details)
