"""Password hashing with argon2id, and the rules a password must meet.

A password needs 12 to 1,000 characters, no control characters, and must not be easy to guess. "Easy to
guess" is zxcvbn's estimate (score 3 of 4 or more, about 10^8 guesses): it knows 30,000 common passwords,
common names and English words, keyboard walks, repeats, sequences and dates, and is told the user's own email
and name and the product's name, so `aaaaaaaaaaaa`, `password1234` and `hotdashhotdash` are refused while a
few unrelated words pass. The refusal says why in zxcvbn's words and never repeats the password.

The hash parameters are argon2-cffi's defaults (RFC 9106's low-memory profile). When they change, a hash made
with the old ones still verifies, and `needs_rehash` tells the sign-in to store a new hash.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from hotdash.auth.errors import AccountError

MIN_LENGTH = 12
# Hashing a megabyte-long "password" is a cheap way to make the server work; nobody types 1,000 characters.
MAX_LENGTH = 1000
# zxcvbn's score 3: "safely unguessable", about 10^8 guesses, beyond an online attacker who is throttled.
MIN_SCORE = 3
# Words of this product an attacker would try first, beside the user's own email and name.
_PRODUCT_WORDS = ("hotdash", "hot dash", "dashboard", "operations")

# Module-level so tests can swap in cheaper parameters (and check that a sign-in upgrades such a hash).
HASHER = PasswordHasher()


class WeakPasswordError(AccountError):
    """A password that breaks a rule; the message says what is needed (and never contains the password)."""

    code = "weak_password"


def check_password(password: str, *, context: Sequence[str] = ()) -> None:
    """Refuse a password that is too short or long, has control characters, or is easy to guess.

    `context` holds words the password must not lean on: the user's email, name and the like.
    """
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(
            f"A password needs at least {MIN_LENGTH} characters; this one has {len(password)}. "
            "A few unrelated words make a long password that is easy to remember."
        )
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"A password can have at most {MAX_LENGTH} characters.")
    if not password.strip():
        raise WeakPasswordError("A password cannot be only spaces.")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in password):
        # A tab, newline or invisible format character is a paste accident, and cannot be typed at sign-in.
        raise WeakPasswordError("A password cannot contain control or invisible characters.")
    folded = _letters_and_digits(password)
    for item in context:
        own = _letters_and_digits(item.split("@")[0])
        if len(own) >= 4 and own in folded:
            raise WeakPasswordError(
                "A password cannot contain your own email or name: it is the first guess."
            )
    words = [*_PRODUCT_WORDS, *_context_words(context)]
    # zxcvbn's cost grows with length; its first 100 characters tell whether a password is guessable.
    verdict = zxcvbn(password[:100], user_inputs=words)
    if verdict["score"] < MIN_SCORE:
        feedback = verdict["feedback"]
        warning = feedback.get("warning") or "This password is easy to guess."
        reasons = [warning, *feedback.get("suggestions", [])]
        raise WeakPasswordError(
            " ".join(reason if reason.endswith(".") else reason + "." for reason in reasons if reason)
            + " A few unrelated words make a strong password that is easy to remember."
        )


def _letters_and_digits(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isalnum())


def _context_words(context: Sequence[str]) -> list[str]:
    words: list[str] = []
    for item in context:
        words.append(item.lower())
        # An email's parts each count: "ana.lopez@shop.com" gives ana, lopez, shop.
        parts = item.lower().replace("@", " ").replace(".", " ").split()
        words.extend(part for part in parts if len(part) > 2)
    return words


def hash_password(password: str, *, context: Sequence[str] = ()) -> str:
    """Return the argon2id hash of `password`, which must pass check_password with `context`."""
    check_password(password, context=context)
    return HASHER.hash(password)


def rehash(password: str) -> str:
    """Return a hash of an already accepted password with the current parameters (no length rule)."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether `password` matches `password_hash`; a malformed hash never matches."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with other parameters than the current ones."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(24))


def burn_verification(password: str) -> None:
    """Take as long as a real verification, so an unknown email answers no faster than a wrong password."""
    verify_password(_dummy_hash(), password)


def generate_password() -> str:
    """Return a random password that passes the rules: 20 URL-safe characters, about 120 bits."""
    return secrets.token_urlsafe(15)
