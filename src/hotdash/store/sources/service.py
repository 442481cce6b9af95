"""Configured sources: their settings, their encrypted secrets, and the state of their syncs.

Admins add, change and disable sources; every change goes to the audit log with the names of the secrets
involved, never their values. Syncs and webhook receivers read a source with its secrets decrypted through
`load_config`, and report on themselves through `sync_state`: what the sources page and `hotdash sources
list` show.

A secret can also come from the environment: `HOTDASH_SOURCE_<KEY>__<NAME>` (the key upper-cased with `-`
as `_`, then two underscores, then the secret's name upper-cased) overrides the stored value, so a deployment
can keep tokens out of the database entirely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.auth import audit
from hotdash.auth.models import User
from hotdash.store.models import Store
from hotdash.store.models.ingest import Source
from hotdash.store.sources.crypto import SecretBox
from hotdash.store.sources.secrets import SCRUBBED, env_prefix, env_secrets, hint, scrub

__all__ = ["SCRUBBED", "env_prefix", "env_secrets", "hint", "scrub"]

KINDS = ("shopify", "zendesk", "chatwoot", "ga4", "gsc", "file", "api")
# Lower case, digits, single '-' or '_' between parts: it becomes the `source` column of imported records and
# part of an environment variable name, where a double underscore separates the key from the secret's name.
_KEY = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
# A setting with one of these in its name is almost certainly a secret typed into the wrong place.
_SECRET_LIKE = re.compile(r"token|secret|password|passwd|api_key|private_key|credential")


class Unchanged(Enum):
    """Leave a value as it is: `update_source(store_id=UNCHANGED)` keeps the store; `None` unsets it."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


class SourceError(ValueError):
    """A change to a source that cannot be made; the message says why and never holds a secret."""


class UnknownSource(SourceError):
    """No source has that key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"There is no source {key!r}. `hotdash sources list` shows them.")


@dataclass(frozen=True)
class SecretState:
    """What may be shown of a secret: that it is set, where from, and at most its last 4 characters."""

    name: str
    origin: str  # "stored" or "environment"
    hint: str  # e.g. "…a1b2", or "set" when the value is too short to show any of it


@dataclass(frozen=True)
class SourceStatus:
    """A source's sync state, for anyone signed in."""

    key: str
    kind: str
    name: str
    is_enabled: bool
    last_sync_started_at: datetime | None
    last_sync_finished_at: datetime | None
    last_sync_status: str | None
    last_sync_summary: str | None
    last_success_at: datetime | None
    last_record_at: datetime | None
    lag: timedelta | None
    last_error: str | None
    last_error_at: datetime | None

    @property
    def lag_text(self) -> str:
        """Return the lag in words, e.g. "2 h 5 min"; "—" before any record was seen."""
        return format_lag(self.lag)


def format_lag(lag: timedelta | None) -> str:
    """Return a lag in words: "45 s", "12 min", "2 h 5 min", "3 d 4 h"; "—" for none."""
    if lag is None:
        return "—"
    seconds = int(lag.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


@dataclass(frozen=True)
class SourceView:
    """A source's status and settings, for managers and admins: secrets only as `SecretState`."""

    status: SourceStatus
    store_id: int | None
    settings: dict[str, str]
    secrets: list[SecretState]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SourceConfig:
    """A source as a sync or receiver uses it, secrets decrypted; its repr never shows them."""

    key: str
    kind: str
    name: str
    store_id: int | None
    is_enabled: bool
    settings: dict[str, str]
    cursor: str | None
    secrets: dict[str, str] = field(repr=False)
    connector_state: dict[str, Any] = field(default_factory=dict, repr=False)

    def scrub(self, text: str) -> str:
        """Return `text` with every secret of this source blanked out."""
        return scrub(text, self.secrets.values())


def _check_name(name: str, what: str) -> None:
    if not _NAME.fullmatch(name):
        raise SourceError(
            f"{what} {name!r} is not a valid name: use lower-case letters, digits and _ (at most 40)."
        )


def _check_settings(settings: Mapping[str, str]) -> None:
    for name, value in settings.items():
        _check_name(name, "Setting")
        if _SECRET_LIKE.search(name):
            raise SourceError(
                f"Setting {name!r} looks like a secret; settings are shown to managers. Store it with "
                "`hotdash sources set-secret` (or the secrets form) instead, so it is encrypted."
            )
        if not isinstance(value, str) or len(value) > 2000:
            raise SourceError(f"Setting {name!r} must be text of at most 2000 characters.")


def _check_store(session: Session, store_id: int | None) -> None:
    if store_id is not None and session.get(Store, store_id) is None:
        raise SourceError(f"There is no store {store_id}. `hotdash info` lists the stores.")


def _settings(source: Source) -> dict[str, str]:
    loaded: dict[str, str] = json.loads(source.settings or "{}")
    return loaded


def _hints(source: Source) -> dict[str, str]:
    loaded: dict[str, str] = json.loads(source.secret_hints or "{}")
    return loaded


def _audit_state(source: Source) -> dict[str, Any]:
    # What the audit log may hold: everything but secret values (and their hints).
    return {
        "kind": source.kind,
        "name": source.name,
        "store_id": source.store_id,
        "settings": _settings(source),
        "secrets": sorted(_hints(source)),
        "is_enabled": source.is_enabled,
    }


def find_source(*, session: Session, key: str) -> Source | None:
    """Return the source with `key`, or None."""
    return session.scalars(select(Source).where(Source.key == key)).one_or_none()


def get_source(*, session: Session, key: str) -> Source:
    """Return the source with `key`; UnknownSource if there is none."""
    source = find_source(session=session, key=key)
    if source is None:
        raise UnknownSource(key)
    return source


def list_sources(*, session: Session) -> list[Source]:
    """Return every source, by key."""
    return list(session.scalars(select(Source).order_by(Source.key)))


def create_source(
    *,
    session: Session,
    key: str,
    kind: str,
    name: str,
    store_id: int | None,
    settings: Mapping[str, str],
    secrets: Mapping[str, str],
    box: SecretBox,
    actor: User | None,
    now: datetime,
) -> Source:
    """Add a source; its secrets are stored encrypted. Audited without the secret values."""
    if not _KEY.fullmatch(key) or len(key) > 32:
        raise SourceError(
            f"Key {key!r} is not valid: lower-case letters and digits, parts joined by single - or _, "
            "up to 32 characters (e.g. shopify-eu)."
        )
    if kind not in KINDS:
        raise SourceError(f"Kind {kind!r} is not one of {', '.join(KINDS)}.")
    if not name.strip() or len(name) > 200:
        raise SourceError("Give the source a name of 1 to 200 characters.")
    if find_source(session=session, key=key) is not None:
        raise SourceError(f"A source with key {key!r} exists already.")
    _check_settings(settings)
    _check_store(session, store_id)
    for secret_name in secrets:
        _check_name(secret_name, "Secret")
    kept = {name: value for name, value in secrets.items() if value}
    source = Source(
        key=key,
        kind=kind,
        store_id=store_id,
        name=name.strip(),
        settings=json.dumps(dict(settings), sort_keys=True),
        secret_ciphertext=box.encrypt(kept) if kept else None,
        secret_hints=json.dumps({n: hint(v) for n, v in kept.items()}, sort_keys=True),
        is_enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(source)
    session.flush()
    audit.record(
        session=session,
        at=now,
        actor=actor,
        action="source.create",
        entity="source",
        entity_key=key,
        before=None,
        after=_audit_state(source),
    )
    return source


def update_source(
    *,
    session: Session,
    key: str,
    actor: User | None,
    now: datetime,
    name: str | None = None,
    settings: Mapping[str, str] | None = None,
    store_id: int | Unchanged | None = UNCHANGED,
) -> Source:
    """Change a source's name, store (None: no store) or settings (merged; an empty value removes a setting).

    Audited. What is left out (None for name and settings, UNCHANGED for the store) stays as it is.
    """
    source = get_source(session=session, key=key)
    before = _audit_state(source)
    if name is not None:
        if not name.strip() or len(name) > 200:
            raise SourceError("Give the source a name of 1 to 200 characters.")
        source.name = name.strip()
    if not isinstance(store_id, Unchanged):
        _check_store(session, store_id)
        source.store_id = store_id
    if settings is not None:
        _check_settings(settings)
        merged = _settings(source)
        for setting, value in settings.items():
            if value:
                merged[setting] = value
            else:
                merged.pop(setting, None)
        source.settings = json.dumps(merged, sort_keys=True)
    after = _audit_state(source)
    if after != before:
        source.updated_at = now
        session.flush()
        audit.record(
            session=session,
            at=now,
            actor=actor,
            action="source.update",
            entity="source",
            entity_key=key,
            before=before,
            after=after,
        )
    return source


def set_secret(
    *,
    session: Session,
    key: str,
    secret: str,
    value: str | None,
    box: SecretBox,
    actor: User | None,
    now: datetime,
) -> Source:
    """Store (or, with an empty value, remove) one secret of a source, encrypted. Audited by name only."""
    _check_name(secret, "Secret")
    source = get_source(session=session, key=key)
    secrets = box.decrypt(source.secret_ciphertext) if source.secret_ciphertext else {}
    hints = _hints(source)
    had = secret in secrets
    if value:
        secrets[secret] = value
        hints[secret] = hint(value)
    else:
        secrets.pop(secret, None)
        hints.pop(secret, None)
    source.secret_ciphertext = box.encrypt(secrets) if secrets else None
    source.secret_hints = json.dumps(hints, sort_keys=True)
    source.updated_at = now
    session.flush()
    audit.record(
        session=session,
        at=now,
        actor=actor,
        action="source.set_secret" if value else "source.remove_secret",
        entity="source",
        entity_key=key,
        before={"secret": secret, "set": had},
        after={"secret": secret, "set": bool(value)},
    )
    return source


def set_enabled(*, session: Session, key: str, enabled: bool, actor: User | None, now: datetime) -> Source:
    """Enable or disable a source (a disabled source is not synced and its webhooks are refused). Audited."""
    source = get_source(session=session, key=key)
    if source.is_enabled != enabled:
        before = _audit_state(source)
        source.is_enabled = enabled
        source.updated_at = now
        session.flush()
        audit.record(
            session=session,
            at=now,
            actor=actor,
            action="source.enable" if enabled else "source.disable",
            entity="source",
            entity_key=key,
            before=before,
            after=_audit_state(source),
        )
    return source


def rotate_key(*, session: Session, box: SecretBox, actor: User | None, now: datetime) -> int:
    """Re-encrypt every source's secrets under the newest key; return how many sources had secrets."""
    sources = list(session.scalars(select(Source).where(Source.secret_ciphertext.is_not(None))))
    for source in sources:
        assert source.secret_ciphertext is not None
        source.secret_ciphertext = box.rotate(source.secret_ciphertext)
    session.flush()
    audit.record(
        session=session,
        at=now,
        actor=actor,
        action="source.rotate_key",
        entity="source",
        entity_key="*",
        before=None,
        after={"sources": sorted(source.key for source in sources)},
    )
    return len(sources)


def status_of(source: Source, *, now: datetime) -> SourceStatus:
    """Return what anyone signed in may see of a source: its sync state and lag."""
    return SourceStatus(
        key=source.key,
        kind=source.kind,
        name=source.name,
        is_enabled=source.is_enabled,
        last_sync_started_at=source.last_sync_started_at,
        last_sync_finished_at=source.last_sync_finished_at,
        last_sync_status=source.last_sync_status,
        last_sync_summary=source.last_sync_summary,
        last_success_at=source.last_success_at,
        last_record_at=source.last_record_at,
        lag=max(now - source.last_record_at, timedelta(0)) if source.last_record_at else None,
        last_error=source.last_error,
        last_error_at=source.last_error_at,
    )


def view_of(source: Source, *, now: datetime, environ: Mapping[str, str] | None = None) -> SourceView:
    """Return a source's status and settings, its secrets only by name, origin and hint."""
    from_env = env_secrets(source.key, environ)
    secrets = [SecretState(name, "environment", hint(value)) for name, value in sorted(from_env.items())]
    secrets += [
        SecretState(name, "stored", shown)
        for name, shown in sorted(_hints(source).items())
        if name not in from_env
    ]
    return SourceView(
        status=status_of(source, now=now),
        store_id=source.store_id,
        settings=_settings(source),
        secrets=sorted(secrets, key=lambda state: state.name),
        created_at=source.created_at,
        updated_at=source.updated_at,
    )


def load_config(
    *, session: Session, key: str, box: SecretBox, environ: Mapping[str, str] | None = None
) -> SourceConfig:
    """Return source `key` with its secrets decrypted (environment values win over stored ones)."""
    source = get_source(session=session, key=key)
    secrets = box.decrypt(source.secret_ciphertext) if source.secret_ciphertext else {}
    secrets.update(env_secrets(key, environ))
    return SourceConfig(
        key=source.key,
        kind=source.kind,
        name=source.name,
        store_id=source.store_id,
        is_enabled=source.is_enabled,
        settings=_settings(source),
        cursor=source.cursor,
        secrets=secrets,
        connector_state=json.loads(source.connector_state or "{}"),
    )
