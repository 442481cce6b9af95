"""What may be shown of a secret, where secrets come from in the environment, and scrubbing them from text."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

_ENV_PREFIX = "HOTDASH_SOURCE_"
SCRUBBED = "[secret]"
# Shopify access tokens have recognisable prefixes; scrub them even when they are not the configured secret.
_TOKEN_PATTERNS = re.compile(r"\b(?:shpat|shpca|shppa|shpss|shpua)_[A-Za-z0-9]{6,}")


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Blank out each secret value (and anything shaped like a Shopify token) in `text`."""
    # Longest first, so a secret that contains another is removed whole.
    for value in sorted((value for value in secrets if value), key=len, reverse=True):
        text = text.replace(value, SCRUBBED)
    return _TOKEN_PATTERNS.sub(SCRUBBED, text)


def hint(value: str) -> str:
    """Return what may be shown of a secret: its last 4 characters when it is long enough to spare them."""
    return f"…{value[-4:]}" if len(value) >= 12 else "set"


def env_prefix(key: str) -> str:
    """Return the environment variable prefix of a source's secrets, e.g. HOTDASH_SOURCE_SHOP_EU__."""
    return f"{_ENV_PREFIX}{key.upper().replace('-', '_')}__"


def env_secrets(key: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the secrets of source `key` that the environment sets."""
    environ = os.environ if environ is None else environ
    prefix = env_prefix(key)
    return {
        name[len(prefix) :].lower(): value
        for name, value in environ.items()
        if name.startswith(prefix) and len(name) > len(prefix) and value
    }
