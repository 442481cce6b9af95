"""Shopify webhooks: the signature and headers (receiver), and the mapping of stored deliveries (handler).

Shopify signs each delivery with the app's client secret: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256
of the raw body. The check runs over the bytes exactly as received, compares in constant time, and neither
the secret nor the signature is ever logged or echoed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.store.connectors.shopify.batch import CanonicalBatch, MapContext
from hotdash.store.connectors.shopify.payloads import UnknownTopic, map_webhook
from hotdash.store.inbound import strict_json
from hotdash.store.inbound.delivery import Delivery, WebhookRejected
from hotdash.store.inbound.registry import IGNORED, PROCESSED, Handled
from hotdash.store.ingest.results import RecordResult
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models.catalog import Store
from hotdash.store.models.ingest import InboundEvent

logger = logging.getLogger(__name__)

SOURCE = "shopify"
MAX_HEADER = 128

# The seam for where secrets come from: given the shop domain a delivery claims, return the secret its
# signature must match (None: not configured). Today the process settings hold one secret; a `sources`-backed
# lookup can replace this function without touching the receiver.
SecretLookup = Callable[[str | None], bytes | None]


def settings_secret(secret: str) -> SecretLookup:
    """Return a lookup that gives every shop the one secret from the settings."""
    value = secret.encode() if secret else None
    return lambda _shop: value


def signature(secret: bytes, body: bytes) -> str:
    """Return the X-Shopify-Hmac-Sha256 value Shopify sends for `body`."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


class ShopifyReceiver:
    """Authenticates Shopify deliveries and reads their topic, shop and webhook id."""

    source = SOURCE

    def __init__(self, secret_for_shop: SecretLookup) -> None:
        self._secret_for_shop = secret_for_shop

    def read(self, *, headers: Mapping[str, str], body: bytes, received_at: datetime) -> Delivery:
        """Return the delivery, or raise WebhookRejected (401 unsigned/forged, 400 missing headers)."""
        shop = headers.get("x-shopify-shop-domain") or None
        secret = self._secret_for_shop(shop)
        if not secret:
            raise WebhookRejected(
                401,
                "webhook_secret_not_configured",
                "HotDash has no Shopify webhook secret to check this delivery against; set "
                "HOTDASH_SHOPIFY_WEBHOOK_SECRET to the app's client secret.",
            )
        sent = headers.get("x-shopify-hmac-sha256")
        if not sent:
            raise WebhookRejected(401, "unsigned", "The delivery has no X-Shopify-Hmac-Sha256 signature.")
        expected = signature(secret, body)
        if not hmac.compare_digest(expected.encode(), sent.strip().encode()):
            logger.warning("refused a Shopify webhook with a wrong signature (shop %s)", shop)
            raise WebhookRejected(
                401, "bad_signature", "The X-Shopify-Hmac-Sha256 signature does not match the body."
            )
        topic = headers.get("x-shopify-topic")
        # The webhook id is the delivery's: Shopify repeats it on every retry. (X-Shopify-Event-Id names the
        # event, which several subscriptions can share, so it would merge deliveries that differ.)
        delivery_id = headers.get("x-shopify-webhook-id")
        missing = [
            name
            for name, value in (("X-Shopify-Topic", topic), ("X-Shopify-Webhook-Id", delivery_id))
            if not value
        ]
        if missing:
            raise WebhookRejected(
                400, "missing_headers", f"The delivery lacks {', '.join(missing)}.", {"missing": missing}
            )
        assert topic is not None
        assert delivery_id is not None
        if len(delivery_id) > MAX_HEADER or len(topic) > 64 or (shop is not None and len(shop) > 255):
            raise WebhookRejected(
                400, "header_too_long", "A X-Shopify-* header is longer than Shopify sends."
            )
        return Delivery(
            source=SOURCE,
            delivery_id=delivery_id,
            topic=topic,
            shop=shop,
            # The route refuses a body that is not UTF-8 before anything is stored.
            payload=body.decode("utf-8", errors="replace"),
            received_at=received_at,
        )


class NoStoreForShop(LookupError):
    """A delivery from a shop no HotDash store is set up for."""


def store_for_shop(session: Session, shop: str | None) -> Store:
    """Return the store a delivery belongs to: the one whose domain is the shop's, else the only store."""
    if shop:
        found = session.scalars(select(Store).where(Store.domain == shop).limit(1)).first()
        if found is not None:
            return found
    # A single-store installation: its one store is the shop's, whatever domain it was given.
    if session.scalar(select(func.count()).select_from(Store)) == 1:
        only = session.scalars(select(Store)).first()
        assert only is not None
        return only
    raise NoStoreForShop(f"no store has the domain {shop!r}; set the store's domain to the shop's")


def _refusals(rejected: Sequence[RecordResult]) -> Handled:
    reasons = "; ".join(
        f"{r.entity} {r.external_id}: " + ", ".join(f"{e.field or 'record'} {e.message}" for e in r.errors)
        for r in rejected[:5]
    )
    return Handled("failed", f"{len(rejected)} record(s) refused: {reasons}")


# Links a record can do without: an order or a shipment whose location, or a line whose variant, HotDash has
# not received yet is still an order, a parcel, a sale. Refusing the record for them would lose it.
OPTIONAL_LINKS = {
    "orders": {"location_external_id"},
    "shipments": {"location_external_id"},
    "order_lines": {"sku_external_id"},
}


def _drop_unknown_links(
    batch: dict[str, list[Mapping[str, Any]]],
    rejected: Sequence[RecordResult],
    owner: Mapping[tuple[str, int], int],
) -> dict[int, list[str]]:
    """Remove optional links the core could not resolve from the records refused only for them.

    Returns, per delivery, what was left out, so the delivery says so. An absent key on insert leaves the
    link empty; a later update carrying a resolvable link fills it.
    """
    notes: dict[int, list[str]] = {}
    for record in rejected:
        optional = OPTIONAL_LINKS.get(record.entity, set())
        fields = {error.field for error in record.errors}
        if not fields or not fields <= optional:
            continue
        original = batch[record.entity][record.index]
        kept = {key: value for key, value in original.items() if key not in fields}
        batch[record.entity][record.index] = kept
        left_out = ", ".join(f"{field} {original.get(field)!r}" for field in sorted(fields))
        notes.setdefault(owner[(record.entity, record.index)], []).append(
            f"{record.entity} {record.external_id} kept without {left_out} (not received yet)"
        )
    return notes


class ShopifyHandler:
    """Maps stored Shopify deliveries and writes them with the ingest core's `upsert_batch`."""

    source = SOURCE

    def batch_for(self, event: InboundEvent, store: Store) -> CanonicalBatch:
        """Map the delivery's body for its topic (UnknownTopic when HotDash does not map it)."""
        return map_webhook(
            event.topic, strict_json.loads(event.payload), MapContext(default_timezone=store.timezone)
        )

    def process(self, *, session: Session, event: InboundEvent) -> Handled:
        """Map and upsert one delivery: ignored for an unmapped topic, failed if records are refused."""
        return self.process_many(session=session, events=[event])[0]

    def process_many(self, *, session: Session, events: Sequence[InboundEvent]) -> list[Handled]:
        """Map deliveries oldest first into one batch per store and upsert each batch once.

        The core applies repeated external ids in order, so a later delivery's version of a record wins as if
        the deliveries had been written one by one, and a refund may refer to an order in the same run.
        """
        outcomes: list[Handled | None] = [None] * len(events)
        stores: dict[str | None, Store] = {}
        # Per store: the merged batch, and for each record (entity, index) the delivery it came from.
        merged: dict[int, dict[str, list[Mapping[str, Any]]]] = {}
        owners: dict[int, dict[tuple[str, int], int]] = {}
        for position, event in enumerate(events):
            try:
                if event.shop not in stores:
                    stores[event.shop] = store_for_shop(session, event.shop)
                store = stores[event.shop]
                batch = self.batch_for(event, store)
            except UnknownTopic:
                outcomes[position] = IGNORED
                continue
            except Exception as error:  # a body that cannot be mapped fails alone and writes nothing
                outcomes[position] = Handled("failed", f"{type(error).__name__}: {error}")
                continue
            records = merged.setdefault(store.id, {})
            owner = owners.setdefault(store.id, {})
            for entity, entity_records in batch.items():
                bucket = records.setdefault(entity, [])
                for item in entity_records:
                    owner[(entity, len(bucket))] = position
                    bucket.append(item)
        for store_id, batch in merged.items():
            owner = owners[store_id]
            result = upsert_batch(session=session, store_id=store_id, source=SOURCE, batch=batch)
            notes: dict[int, list[str]] = {}
            # A record refused because its parent was shows its own unknown links only once the parent is in,
            # hence a few rounds (an order, then its parcel).
            for _round in range(3):
                dropped = _drop_unknown_links(batch, result.rejected, owner)
                if not dropped:
                    break
                for position, texts in dropped.items():
                    notes.setdefault(position, []).extend(texts)
                # Written again with those links left out: what was accepted comes back "unchanged", and the
                # records refused only because of them (and their dependants) are written now.
                result = upsert_batch(session=session, store_id=store_id, source=SOURCE, batch=batch)
            refused: dict[int, list[RecordResult]] = {}
            for rejected in result.rejected:
                refused.setdefault(owner[(rejected.entity, rejected.index)], []).append(rejected)
            for position in set(owner.values()):
                if position in refused:
                    outcomes[position] = _refusals(refused[position])
                else:
                    note = "; ".join(notes.get(position, [])) or None
                    outcomes[position] = Handled("processed", note)
        # A delivery whose body held no record at all (e.g. an inventory item without a cost) is processed.
        return [outcome or PROCESSED for outcome in outcomes]
