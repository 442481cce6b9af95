"""Encryption of the sources' secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256, authenticated).

The key comes from HOTDASH_SECRET_KEY (Fernet keys separated by commas, newest first), or else from a key file
(var/secret.key by default) that is created once, readable by its owner only. Several keys make rotation
possible: the newest encrypts, every key decrypts, and `rotate` re-encrypts a token under the newest.

No message raised here ever contains a secret or a key: only what to do about the failure.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hotdash.settings import Settings


class SecretKeyError(Exception):
    """The key is missing, malformed, unsafe, or does not open what was stored with it."""


def new_key() -> str:
    """Return a fresh random Fernet key (url-safe base64 of 32 random bytes)."""
    return Fernet.generate_key().decode("ascii")


def _parse_keys(text: str, where: str) -> list[Fernet]:
    keys = [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
    if not keys:
        raise SecretKeyError(f"{where} holds no key. `hotdash sources new-key` prints one.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            # The key itself is never echoed back, only which one is wrong.
            raise SecretKeyError(
                f"Key number {position} in {where} is not a Fernet key (32 bytes, url-safe base64). "
                "`hotdash sources new-key` prints a valid one."
            ) from None
    return fernets


class SecretBox:
    """Encrypts and decrypts a source's secrets (a mapping of name to value) with the configured keys."""

    def __init__(self, keys: Sequence[Fernet]) -> None:
        if not keys:
            raise SecretKeyError("No encryption key is configured.")
        self._keys = list(keys)
        self._multi = MultiFernet(self._keys)

    @classmethod
    def from_text(cls, text: str, where: str = "the key") -> SecretBox:
        """Build a box from comma- or newline-separated keys, newest first."""
        return cls(_parse_keys(text, where))

    @property
    def key_count(self) -> int:
        """Return how many keys can decrypt (the first also encrypts)."""
        return len(self._keys)

    def encrypt(self, secrets: Mapping[str, str]) -> str:
        """Return the token that holds `secrets`, encrypted under the newest key."""
        plain = json.dumps(dict(secrets), sort_keys=True).encode("utf-8")
        return self._multi.encrypt(plain).decode("ascii")

    def decrypt(self, token: str) -> dict[str, str]:
        """Return the secrets in `token`; SecretKeyError if no configured key opens it."""
        try:
            plain = self._multi.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise SecretKeyError(
                "The stored secrets cannot be decrypted with the configured key(s): the key changed without "
                "`hotdash sources rotate-key`, or the data was altered. Put the previous key back (after the "
                "new one, comma-separated) or set the secrets again."
            ) from None
        loaded = json.loads(plain)
        return {str(name): str(value) for name, value in loaded.items()}

    def rotate(self, token: str) -> str:
        """Return `token` re-encrypted under the newest key (it must open with one of the keys)."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretKeyError(
                "A stored secret cannot be decrypted with any configured key, so it cannot be rotated."
            ) from None


def _check_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretKeyError(
            f"The key file {path} can be read by other users (mode {mode:o}). Run `chmod 600 {path}`."
        )


def read_or_create_key_file(path: Path) -> str:
    """Return the key file's text, creating it with one new key and 0600 permissions if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both create (and so disagree on) the key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _check_private(path)
        return path.read_text(encoding="ascii")
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(new_key() + "\n")
    return path.read_text(encoding="ascii")


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Replace the key file's keys atomically, keeping it readable by its owner only."""
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(temporary, path)


def key_file_keys(path: Path) -> list[str]:
    """Return the keys in the key file, newest first."""
    return [line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()]


def load_box(settings: Settings) -> SecretBox:
    """Return the box for HOTDASH_SECRET_KEY if it is set, else for the key file (made if absent)."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
        return SecretBox.from_text(settings.secret_key.get_secret_value(), "HOTDASH_SECRET_KEY")
    path = settings.resolved_secret_key_file()
    return SecretBox.from_text(read_or_create_key_file(path), f"the key file {path}")
