"""Connectors: one package per source, each mapping that source's payloads to canonical batches.

`webhook_registry` is where each source that receives webhooks plugs its receiver and handler into the
shared inbound machinery (`hotdash.store.inbound`).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from hotdash.settings import Settings
from hotdash.store.inbound.registry import Registry

SecretLookup = Callable[[str | None], bytes | None]


def stored_shopify_secret(factory: sessionmaker[Session], settings: Settings) -> SecretLookup:
    """Return a lookup of the `webhook_secret` stored on the enabled Shopify source whose `shop` matches.

    The secret box is opened at the first delivery, not at startup, because opening it may create the key
    file; a server that never receives a webhook never needs it.
    """
    from hotdash.store.sources.crypto import load_box
    from hotdash.store.sources.lookup import cached, webhook_secret_lookup

    inner: list[SecretLookup] = []

    def lookup(shop: str | None) -> bytes | None:
        if not inner:
            inner.append(webhook_secret_lookup(factory, load_box(settings), kind="shopify"))
        return inner[0](shop)

    return cached(lookup)


def webhook_registry(settings: Settings, factory: sessionmaker[Session] | None = None) -> Registry:
    """Return the receivers and handlers of every source that sends webhooks.

    With a session factory, a Shopify shop's signing secret is looked up first among the configured sources
    (Sources page, `hotdash sources set-secret KEY webhook_secret`), then in HOTDASH_SHOPIFY_WEBHOOK_SECRET.
    """
    from hotdash.store.connectors.chatwoot.webhooks import ChatwootHandler, ChatwootReceiver
    from hotdash.store.connectors.shopify.webhooks import ShopifyHandler, ShopifyReceiver, settings_secret

    from_settings = settings_secret(settings.shopify_webhook_secret.get_secret_value())
    shopify_secret = from_settings
    if factory is not None:
        from_sources = stored_shopify_secret(factory, settings)

        def shopify_secret(shop: str | None) -> bytes | None:
            return from_sources(shop) or from_settings(shop)

    registry = Registry()
    registry.add(receiver=ShopifyReceiver(shopify_secret), handler=ShopifyHandler())
    registry.add(
        receiver=ChatwootReceiver(settings.chatwoot_webhook_secret.get_secret_value()),
        handler=ChatwootHandler(),
    )
    return registry
