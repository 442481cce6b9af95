"""Secrets for webhook receivers, looked up in the configured sources when a delivery arrives."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.store.models.ingest import Source
from hotdash.store.sources import service
from hotdash.store.sources.crypto import SecretBox


def find_config(
    *,
    session: Session,
    kind: str,
    setting: str,
    value: str,
    box: SecretBox,
    environ: Mapping[str, str] | None = None,
) -> service.SourceConfig | None:
    """Return the enabled source of `kind` whose `setting` is `value` (e.g. the shop a webhook names)."""
    wanted = value.strip().lower()
    # A handful of rows: the settings are JSON text, so they are compared here rather than in SQL.
    for source in session.scalars(select(Source).where(Source.kind == kind, Source.is_enabled.is_(True))):
        settings = json.loads(source.settings or "{}")
        if str(settings.get(setting, "")).strip().lower() == wanted:
            return service.load_config(session=session, key=source.key, box=box, environ=environ)
    return None


def webhook_secret_lookup(
    factory: sessionmaker[Session],
    box: SecretBox,
    *,
    kind: str,
    setting: str = "shop",
    secret_name: str = "webhook_secret",  # noqa: S107 - the name of the secret, not a secret
    environ: Mapping[str, str] | None = None,
) -> Callable[[str | None], bytes | None]:
    """Return a function that gives the signing secret of the enabled `kind` source whose `setting` is the
    shop (or account) a delivery names, or None when no such source has one (the delivery is refused)."""

    def lookup(shop: str | None) -> bytes | None:
        if not shop:
            return None
        with factory() as session:
            config = find_config(
                session=session, kind=kind, setting=setting, value=shop, box=box, environ=environ
            )
        value = config.secrets.get(secret_name) if config is not None else None
        return value.encode() if value else None

    return lookup


Lookup = Callable[[str | None], bytes | None]


def cached(
    lookup: Lookup, *, seconds: float = 30.0, monotonic: Callable[[], float] = time.monotonic
) -> Lookup:
    """Remember each shop's answer for `seconds`, so a burst of webhooks decrypts its secret once.

    A secret changed on the Sources page is used from the next lookup after that, at most `seconds` later.
    """
    remembered: dict[str | None, tuple[float, bytes | None]] = {}
    lock = threading.Lock()

    def lookup_cached(shop: str | None) -> bytes | None:
        now = monotonic()
        with lock:
            hit = remembered.get(shop)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
        value = lookup(shop)
        with lock:
            remembered[shop] = (now, value)
        return value

    return lookup_cached
