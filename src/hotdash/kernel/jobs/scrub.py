"""Error text safe to store and show: no passwords, tokens or keys, and not too long."""

from __future__ import annotations

import re

MAX_ERROR = 2000
MASK = "***"

# What a secret looks like inside an exception message: a URL's password, a bearer or API token, a
# "password=..."-style pair. Jobs fail on database URLs and HTTP calls, which is where these show up.
_PATTERNS = (
    (re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@"), rf"\g<1>{MASK}@"),
    (re.compile(r"(?i)\b(bearer\s+)[^\s'\"]+"), rf"\g<1>{MASK}"),
    (re.compile(r"\bhd_[A-Za-z0-9_-]+"), f"hd_{MASK}"),
    (
        re.compile(
            r"(?i)\b((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\s*[=:]\s*)[^\s&,;'\"]+"
        ),
        rf"\g<1>{MASK}",
    ),
)


def scrub_error(error: BaseException) -> str:
    """Return `error` as one storable text: its type and message, secrets masked, at most MAX_ERROR chars."""
    text = f"{type(error).__name__}: {error}"
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    if len(text) > MAX_ERROR:
        text = text[: MAX_ERROR - 1] + "…"
    return text
