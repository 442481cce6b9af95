"""Password hashing with argon2id, and the one rule a password must meet.

The hash parameters are argon2-cffi's defaults (RFC 9106's low-memory profile). When they change, a hash made
with the old ones still verifies, and `needs_rehash` tells the sign-in to store a new hash.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hotdash.auth.errors import AccountError

MIN_LENGTH = 12
# Hashing a megabyte-long "password" is a cheap way to make the server work; nobody types 1,000 characters.
MAX_LENGTH = 1000

# Module-level so tests can swap in cheaper parameters (and check that a sign-in upgrades such a hash).
HASHER = PasswordHasher()


class WeakPasswordError(AccountError):
    """A password that breaks the length rule; the message says what is needed (and never contains it)."""

    code = "weak_password"


def check_password(password: str) -> None:
    """Refuse a password shorter than MIN_LENGTH or longer than MAX_LENGTH characters."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(
            f"A password needs at least {MIN_LENGTH} characters; this one has {len(password)}. "
            "A few unrelated words make a long password that is easy to remember."
        )
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"A password can have at most {MAX_LENGTH} characters.")
    if not password.strip():
        raise WeakPasswordError("A password cannot be only spaces.")


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password` (which must pass check_password)."""
    check_password(password)
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
