"""Shopify: map Admin API payloads (REST and GraphQL) and webhook deliveries to canonical batches."""

from hotdash.store.connectors.shopify.batch import CanonicalBatch, MapContext
from hotdash.store.connectors.shopify.payloads import (
    TOPICS,
    Mapped,
    UnknownTopic,
    map_record,
    map_response,
    map_webhook,
)
from hotdash.store.connectors.shopify.values import PayloadError

__all__ = [
    "TOPICS",
    "CanonicalBatch",
    "MapContext",
    "Mapped",
    "PayloadError",
    "UnknownTopic",
    "map_record",
    "map_response",
    "map_webhook",
]
