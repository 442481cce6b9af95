"""The rules every helpdesk mapper shares: category from tags, legal and regulatory flags, the order a ticket
is about, and the 1..5 satisfaction scale.

The tables are data, not code, so docs/connectors/helpdesks.md can list them and a test can walk them. Tags
are compared after normalising (lower case, spaces and hyphens to underscores) so "Where-Is-My-Order" and
"where_is_my_order" are the same tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

# Category -> the tags (or labels) that mean it. The first category in this order with a matching tag wins, so
# a ticket tagged both "damaged" and "refund" is "damaged": the cause matters more than the remedy asked for.
CATEGORY_TAGS: dict[str, tuple[str, ...]] = {
    "wismo": (
        "wismo",
        "where_is_my_order",
        "order_status",
        "tracking",
        "late_delivery",
        "delivery_delay",
        "shipping_delay",
        "lost_package",
        "not_received",
    ),
    "damaged": ("damaged", "damaged_item", "broken", "defective"),
    "wrong_item": ("wrong_item", "wrong_size", "incorrect_item", "missing_item"),
    "return_request": ("return", "returns", "return_request", "exchange"),
    "cancel_request": ("cancel", "cancellation", "cancel_request", "cancel_order"),
    # Refunds belong to billing, as in the demo data: the payments team owns both.
    "billing": (
        "billing",
        "refund",
        "refund_request",
        "double_charge",
        "charged_twice",
        "payment",
        "chargeback",
    ),
    "site_error": ("site_error", "checkout_error", "bug", "login_issue", "website_issue"),
    "product_question": ("product_question", "sizing", "presales", "pre_sale", "product_info"),
}

# When no tag says, the subject may: the first pattern that matches wins. Only phrases hard to misread.
CATEGORY_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "wismo",
        re.compile(r"where\s+is\s+my\s+(order|package|parcel)|tracking|hasn'?t\s+arrived|not\s+arrived"),
    ),
    ("damaged", re.compile(r"\b(damaged|broken|defective)\b")),
    ("wrong_item", re.compile(r"\bwrong\s+(item|size|colou?r|product)\b")),
    ("return_request", re.compile(r"\breturn(s|ing)?\b|\bsend\s+(it\s+)?back\b")),
    ("cancel_request", re.compile(r"\bcancel(l?ation|l?ed)?\b")),
    ("billing", re.compile(r"\brefund|charged\s+twice|double\s+charge|\binvoice\b")),
)

# Words in a subject or message that mean a legal threat. Whole words only ("sue" is not "issue").
LEGAL_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\blawyers?\b"),
    re.compile(r"\battorneys?\b"),
    re.compile(r"\bsolicitors?\b"),
    re.compile(r"\blaw\s?suits?\b"),
    re.compile(r"\blegal\s+action\b"),
    re.compile(r"\bsu(e|ed|es|ing)\b"),
    re.compile(r"\bsmall\s+claims\b"),
    re.compile(r"\btake\s+(you|this)\s+to\s+court\b"),
)
# Regulators and consumer bodies; a complaint to any of them is a regulatory threat.
REGULATORY_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bbbb\b"),
    re.compile(r"\bbetter\s+business\s+bureau\b"),
    re.compile(r"\battorneys?\s+general\b"),
    re.compile(r"\bftc\b"),
    re.compile(r"\bfederal\s+trade\s+commission\b"),
    re.compile(r"\bcfpb\b"),
    re.compile(r"\bgdpr\b"),
    re.compile(r"\bccpa\b"),
    re.compile(r"\bconsumer\s+protection\b"),
    re.compile(r"\btrading\s+standards\b"),
    re.compile(r"\bombudsman\b"),
)
LEGAL_TAGS = frozenset({"legal", "legal_threat", "lawyer", "attorney", "lawsuit"})
REGULATORY_TAGS = frozenset({"regulatory", "regulatory_complaint", "bbb", "ftc", "gdpr", "attorney_general"})
# A chargeback is a bank dispute, not a lawsuit or a regulator: it escalates the ticket but sets neither flag.
ESCALATION_TAGS = frozenset({"escalated", "escalation", "chargeback", "manager"})
ESCALATION_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bchargebacks?\b"),
    re.compile(r"\bdispute\b"),
)

# "#1042", "order 1042", "order no. 1042", "order number #1042": three to ten digits.
ORDER_NUMBER = re.compile(
    r"(?:#|\border\s+(?:no\.?\s*|number\s*|num\.?\s*)?#?)\s?(\d{3,10})\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Flags:
    """What a ticket's words and tags say about its risk."""

    legal: bool
    regulatory: bool
    escalated: bool


def normalise_tag(tag: str) -> str:
    """Return the tag in the form the tables use."""
    return re.sub(r"[\s\-]+", "_", tag.strip().lower())


def tags_text(tags: Iterable[str]) -> str:
    """Return the tags as the model stores them: comma-separated, in the source's order, no duplicates."""
    seen: dict[str, None] = {}
    for tag in tags:
        clean = tag.strip().replace(",", " ")
        if clean:
            seen.setdefault(clean, None)
    return ",".join(seen)


def category_for(tags: Sequence[str], text: str = "") -> str | None:
    """Return the ticket's category from its tags, else from phrases in `text`, else None (not known)."""
    normal = {normalise_tag(t) for t in tags}
    for category, names in CATEGORY_TAGS.items():
        if normal.intersection(names):
            return category
    lowered = text.lower()
    for category, pattern in CATEGORY_PHRASES:
        if pattern.search(lowered):
            return category
    return None


def flags_for(tags: Sequence[str], *texts: str | None) -> Flags:
    """Return the legal, regulatory and escalation flags that the tags and texts raise."""
    normal = {normalise_tag(t) for t in tags}
    lowered = " ".join(t for t in texts if t).lower()
    regulatory = bool(normal & REGULATORY_TAGS) or any(p.search(lowered) for p in REGULATORY_PATTERNS)
    # "attorney general" is a regulator; take it out before looking for a private attorney.
    private = re.sub(r"\battorneys?\s+general\b", " ", lowered)
    legal = bool(normal & LEGAL_TAGS) or any(p.search(private) for p in LEGAL_PATTERNS)
    escalated = (
        legal
        or regulatory
        or bool(normal & ESCALATION_TAGS)
        or any(p.search(lowered) for p in ESCALATION_PATTERNS)
    )
    return Flags(legal=legal, regulatory=regulatory, escalated=escalated)


def order_number_in(*texts: str | None) -> str | None:
    """Return the first order number written in the texts, as the store shows it ("#1042"), or None."""
    for text in texts:
        if text:
            match = ORDER_NUMBER.search(text)
            if match:
                return f"#{match.group(1)}"
    return None


def clean_order_number(value: object) -> str | None:
    """Return an order number from a custom field's value ("1042", "#1042", 1042), or None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    digits = text.lstrip("#").strip()
    if digits.isdigit():
        return f"#{digits}"
    return order_number_in(text)


def csat_from_good_bad(score: object) -> int | None:
    """Return the 1..5 rating for a good/bad score: good is 5, bad is 1, anything else unknown."""
    if score == "good":
        return 5
    if score == "bad":
        return 1
    return None


def csat_from_rating(rating: object) -> int | None:
    """Return a 1..5 rating as an int, or None when the value is not one (a bool is not a rating)."""
    if isinstance(rating, bool):
        return None
    if isinstance(rating, int | float | str):
        try:
            value = int(float(rating))
        except ValueError:
            return None
        if 1 <= value <= 5 and float(rating) == value:
            return value
    return None


def parse_time(value: object) -> datetime | None:
    """Return an aware UTC datetime from ISO 8601 text ("Z" or an offset) or Unix seconds; None if empty."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        # Chatwoot sends 0 for "never" (e.g. first_reply_created_at before any reply).
        return datetime.fromtimestamp(value, UTC) if value > 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(" UTC"):
            text = text[:-4] + "+00:00"
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError(f"time without a timezone: {value!r}")
        return parsed.astimezone(UTC)
    raise ValueError(f"not a time: {value!r}")
