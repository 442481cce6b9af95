"""Slowing down password guessing: after 5 failed sign-ins for one email within 15 minutes, that email is
refused for 15 minutes.

The counts live in the memory of the server process (create_app makes one LoginThrottle per app), not in
the database. That is a choice: it needs no table and no write per failure, and a restart forgets it. With N
worker processes a guesser gets N times the attempts, still a few dozen an hour per email, against passwords
of at least 12 characters hashed with argon2id. Run behind a reverse proxy with its own rate limit by address
when the server faces the internet.

Refusals do not say whether the email has an account: an unknown email is counted and locked the same way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
# A guesser spraying many emails must not grow the tables without bound.
_MAX_TRACKED = 10_000


@dataclass
class LoginThrottle:
    """Failed sign-ins per key (the normalised email) and the keys that are locked out."""

    max_failures: int = MAX_FAILURES
    window: timedelta = WINDOW
    lockout: timedelta = LOCKOUT
    _failures: dict[str, list[datetime]] = field(default_factory=dict, repr=False)
    _locked_until: dict[str, datetime] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        """Return when `key` may try again, or None if it may try now."""
        with self._lock:
            until = self._locked_until.get(key)
            if until is None:
                return None
            if now >= until:
                del self._locked_until[key]
                return None
            return until

    def record_failure(self, key: str, now: datetime) -> datetime | None:
        """Count one failed sign-in; return the end of the lockout if this failure started one."""
        with self._lock:
            recent = [at for at in self._failures.get(key, []) if now - at < self.window]
            recent.append(now)
            if len(recent) >= self.max_failures:
                self._failures.pop(key, None)
                until = now + self.lockout
                self._locked_until[key] = until
                return until
            self._failures[key] = recent
            if len(self._failures) > _MAX_TRACKED:
                self._forget_old(now)
            return None

    def succeeded(self, key: str) -> None:
        """Forget the failures of `key` after a successful sign-in."""
        with self._lock:
            self._failures.pop(key, None)

    def _forget_old(self, now: datetime) -> None:
        self._failures = {k: v for k, v in self._failures.items() if now - v[-1] < self.window}
        self._locked_until = {k: v for k, v in self._locked_until.items() if now < v}
        if len(self._failures) > _MAX_TRACKED:
            # Still too many live keys: keep the most recently failing half.
            newest = sorted(self._failures.items(), key=lambda item: item[1][-1], reverse=True)
            self._failures = dict(newest[: _MAX_TRACKED // 2])
