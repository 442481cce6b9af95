"""Checking that a webhook came from Chatwoot.

Chatwoot (since per-webhook secrets, chatwoot/chatwoot#13573) signs each delivery: `X-Chatwoot-Timestamp` is
the Unix time it was sent, `X-Chatwoot-Signature` is `sha256=` and the hex HMAC-SHA256, keyed by the webhook's
secret, of `{timestamp}.{raw body}`, and `X-Chatwoot-Delivery` is a UUID that retries of the same delivery
reuse. The timestamp is inside the signed text, so an old delivery cannot be replayed with a fresh one.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
DELIVERY_HEADER = "X-Chatwoot-Delivery"
TOLERANCE_SECONDS = 300  # Chatwoot's advice: refuse deliveries more than about five minutes old


class SignatureError(ValueError):
    """The delivery is not signed with the secret HotDash holds, or is too old (never names the secret)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value Chatwoot would send for this body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(*, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime) -> None:
    """Raise SignatureError unless the delivery is signed with `secret` and was sent within the tolerance."""
    if not timestamp or not signature:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} is not a Unix time") from None
    if abs(now.timestamp() - sent) > TOLERANCE_SECONDS:
        raise SignatureError(f"delivery timestamp is more than {TOLERANCE_SECONDS} seconds from now")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        raise SignatureError("signature does not match the webhook secret")
