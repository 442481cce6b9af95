"""Chatwoot webhooks: the signature check (receiver) and the mapping of stored deliveries (handler).

The receiver trusts nothing before the signature over the raw bytes has matched (see `signature`). The
delivery id is Chatwoot's `X-Chatwoot-Delivery` UUID, which its retries reuse, so a redelivery is stored once.
Chatwoot versions without per-webhook secrets send no signature and are refused: a URL anyone could learn is
not proof enough to write tickets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.store.connectors.agents import complete_agents
from hotdash.store.connectors.chatwoot import signature
from hotdash.store.connectors.chatwoot.mapper import UnsupportedEvent, map_webhook
from hotdash.store.inbound import strict_json
from hotdash.store.inbound.delivery import Delivery, WebhookRejected
from hotdash.store.inbound.registry import IGNORED, PROCESSED, Handled
from hotdash.store.models.catalog import Store
from hotdash.store.models.ingest import InboundEvent, Source
from hotdash.store.models.support import Ticket

logger = logging.getLogger(__name__)

SOURCE = "chatwoot"
MAX_HEADER = 128

Now = Callable[[], datetime]


class ChatwootReceiver:
    """Authenticates Chatwoot deliveries and reads their event and account."""

    source = SOURCE

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def read(self, *, headers: Mapping[str, str], body: bytes, received_at: datetime) -> Delivery:
        """Return the delivery, or raise WebhookRejected (401 unsigned, forged, stale; 400 no delivery id)."""
        if not self._secret:
            raise WebhookRejected(
                401,
                "webhook_secret_not_configured",
                "HotDash has no Chatwoot webhook secret to check this delivery against; set "
                "HOTDASH_CHATWOOT_WEBHOOK_SECRET to the secret Chatwoot shows for the webhook.",
            )
        try:
            signature.verify(
                secret=self._secret,
                timestamp=headers.get(signature.TIMESTAMP_HEADER.lower()),
                signature=headers.get(signature.SIGNATURE_HEADER.lower()),
                body=body,
                now=received_at,
            )
        except signature.SignatureError as error:
            logger.warning("refused a Chatwoot webhook: %s", error)
            raise WebhookRejected(
                401, "bad_signature", f"The Chatwoot delivery was refused: {error}."
            ) from None
        delivery_id = headers.get(signature.DELIVERY_HEADER.lower())
        if not delivery_id:
            raise WebhookRejected(
                400,
                "missing_headers",
                "The delivery lacks X-Chatwoot-Delivery.",
                {"missing": ["X-Chatwoot-Delivery"]},
            )
        if len(delivery_id) > MAX_HEADER:
            raise WebhookRejected(
                400, "header_too_long", "X-Chatwoot-Delivery is longer than Chatwoot sends."
            )
        event, account = _event_and_account(body)
        return Delivery(
            source=SOURCE,
            delivery_id=delivery_id,
            topic=event[:64],
            shop=account,
            payload=body.decode("utf-8", errors="replace"),
            received_at=received_at,
        )


def _event_and_account(body: bytes) -> tuple[str, str | None]:
    """Return the event name and account id of a body; the route refuses one that is not a JSON object."""
    try:
        payload: Any = strict_json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, strict_json.JsonRefused):
        return "unknown", None
    if not isinstance(payload, dict):
        return "unknown", None
    account = payload.get("account") if isinstance(payload.get("account"), dict) else {}
    account_id = payload.get("account_id", account.get("id") if account else None)
    return str(payload.get("event") or "unknown"), (None if account_id is None else str(account_id)[:255])


class NoStoreForAccount(LookupError):
    """A delivery HotDash cannot place in a store."""


def target_for_account(session: Session) -> tuple[Store, str]:
    """Return the store and source key of Chatwoot tickets: a chatwoot source's, else the only store's.

    With a configured source its key is the tickets' `source`, the same one `hotdash sync chatwoot` writes, so
    a webhook and the pull update the same ticket; without one, the key is "chatwoot".
    """
    configured = session.execute(
        select(Store, Source.key)
        .join(Source, Source.store_id == Store.id)
        .where(Source.kind == SOURCE, Source.is_enabled.is_(True))
        .order_by(Source.id)
        .limit(1)
    ).first()
    if configured is not None:
        return configured[0], configured[1]
    if session.scalar(select(func.count()).select_from(Store)) == 1:
        only = session.scalars(select(Store)).first()
        assert only is not None
        return only, SOURCE
    raise NoStoreForAccount(
        "several stores and no chatwoot source names one; add a chatwoot source with its store"
    )


def keep_earliest_first_response(
    session: Session, *, store_id: int, source: str, records: list[dict[str, Any]]
) -> None:
    """Drop a record's first_response_at when a stored one is earlier: only the first reply counts.

    A Chatwoot payload may carry the time of a later agent reply (an older version without
    first_reply_created_at, or deliveries processed out of order); the core would take it as newer.
    """
    keyed = [r for r in records if "first_response_at" in r]
    if not keyed:
        return
    ids = [r["external_id"] for r in keyed]
    stored = dict(
        session.execute(
            select(Ticket.external_id, Ticket.first_response_at).where(
                Ticket.store_id == store_id, Ticket.source == source, Ticket.external_id.in_(ids)
            )
        ).all()
    )
    for record in keyed:
        before = stored.get(record["external_id"])
        new = record["first_response_at"]
        if before is not None and (new is None or new >= before):
            del record["first_response_at"]


Upsert = Callable[..., object]


class ChatwootHandler:
    """Maps a stored Chatwoot delivery and writes it with the ingest core's `upsert_batch`."""

    source = SOURCE

    def __init__(self, upsert: Upsert | None = None) -> None:
        self._upsert = upsert

    def process(self, *, session: Session, event: InboundEvent) -> Handled:
        """Map and upsert one delivery: ignored for an unmapped event, failed if a ticket is refused."""
        try:
            batch = map_webhook(strict_json.loads(event.payload))
        except UnsupportedEvent:
            return IGNORED
        if not batch["tickets"]:
            return Handled("ignored", "a private note: nothing for the ticket")
        store, key = target_for_account(session)
        batch = complete_agents(session, store_id=store.id, source=key, batch=batch, now=event.received_at)
        keep_earliest_first_response(session, store_id=store.id, source=key, records=batch["tickets"])
        upsert = self._upsert or _core_upsert()
        result = upsert(session=session, store_id=store.id, source=key, batch=batch)
        rejected = getattr(result, "rejected", [])
        if rejected:
            reasons = "; ".join(
                f"{r.entity} {r.external_id}: "
                + ", ".join(f"{e.field or 'record'} {e.message}" for e in r.errors)
                for r in rejected[:5]
            )
            return Handled("failed", f"{len(rejected)} record(s) refused: {reasons}")
        return PROCESSED


def _core_upsert() -> Upsert:
    from hotdash.store.ingest.upsert import upsert_batch

    return upsert_batch
