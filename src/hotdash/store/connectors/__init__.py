"""Connectors: one package per source, each mapping that source's payloads to canonical batches.

`webhook_registry` is where each source that receives webhooks plugs its receiver and handler into the
shared inbound machinery (`hotdash.store.inbound`).
"""

from __future__ import annotations

from hotdash.settings import Settings
from hotdash.store.inbound.registry import Registry


def webhook_registry(settings: Settings) -> Registry:
    """Return the receivers and handlers of every source that sends webhooks."""
    from hotdash.store.connectors.chatwoot.webhooks import ChatwootHandler, ChatwootReceiver
    from hotdash.store.connectors.shopify.webhooks import ShopifyHandler, ShopifyReceiver, settings_secret

    registry = Registry()
    registry.add(
        receiver=ShopifyReceiver(settings_secret(settings.shopify_webhook_secret.get_secret_value())),
        handler=ShopifyHandler(),
    )
    registry.add(
        receiver=ChatwootReceiver(settings.chatwoot_webhook_secret.get_secret_value()),
        handler=ChatwootHandler(),
    )
    return registry
