"""The sources over JSON: anyone signed in sees their sync status; managers and admins their settings too;
admins add, change, disable them and set their secrets. A secret is accepted, never returned: responses show
only that it is set, where from, and at most its last 4 characters.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from hotdash.auth.deps import CurrentUser, require_role
from hotdash.auth.models import Role, User
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import ApiError
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.services import services_of
from hotdash.kernel.http.session import DbSession
from hotdash.settings import Settings
from hotdash.store.sources import service
from hotdash.store.sources.crypto import SecretBox, SecretKeyError, load_box

router = APIRouter(prefix="/api/v1/sources", tags=["sources"])

Admin = Annotated[User, Depends(require_role(Role.admin, "Only admins add and change sources."))]


class LazySecretBox:
    """The app's secret box, loaded on first use: loading may create the key file, and a server that never
    touches a source should not write one."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._box: SecretBox | None = None
        self._lock = threading.Lock()

    def get(self) -> SecretBox:
        """Return the box, loading it the first time."""
        with self._lock:  # two first requests at once must not both create a key file
            if self._box is None:
                self._box = load_box(self._settings)
            return self._box


def secret_box(request: Request) -> SecretBox:
    """Return the app's secret box, built on first use (that may create the key file)."""
    with as_http_errors():
        return services_of(request.app).get(LazySecretBox).get()


@contextmanager
def as_http_errors() -> Iterator[None]:
    """Turn the sources' errors into the API's error shape."""
    try:
        yield
    except service.UnknownSource as exc:
        raise ApiError(404, "unknown_source", str(exc)) from None
    except service.SourceError as exc:
        raise ApiError(422, "invalid_source", str(exc)) from None
    except SecretKeyError as exc:
        # A deployment problem, not the caller's: say what the administrator must fix.
        raise ApiError(503, "secret_key_unusable", str(exc)) from None


class SecretOut(BaseModel):
    """A secret as it may be shown."""

    name: str
    origin: str = Field(description="stored (encrypted in the database) or environment")
    hint: str = Field(description='"set", or the last 4 characters of a long secret')


class SourceOut(BaseModel):
    """A source's sync status; `settings`, `store_id` and `secrets` are null for viewers and operators."""

    key: str
    kind: str
    name: str
    is_enabled: bool
    last_sync_status: str | None = Field(description="running, succeeded or failed; null before the first")
    last_sync_started_at: datetime | None
    last_sync_finished_at: datetime | None
    last_success_at: datetime | None
    last_sync_summary: str | None
    last_record_at: datetime | None = Field(description="the newest source-side update seen")
    lag_seconds: float | None = Field(description="now minus last_record_at")
    last_error: str | None = Field(description="why the last sync failed, secrets scrubbed")
    last_error_at: datetime | None
    store_id: RowId | None = None
    settings: dict[str, str] | None = None
    secrets: list[SecretOut] | None = None

    @classmethod
    def of(cls, source: service.SourceStatus, view: service.SourceView | None) -> SourceOut:
        return cls(
            key=source.key,
            kind=source.kind,
            name=source.name,
            is_enabled=source.is_enabled,
            last_sync_status=source.last_sync_status,
            last_sync_started_at=source.last_sync_started_at,
            last_sync_finished_at=source.last_sync_finished_at,
            last_success_at=source.last_success_at,
            last_sync_summary=source.last_sync_summary,
            last_record_at=source.last_record_at,
            lag_seconds=source.lag.total_seconds() if source.lag is not None else None,
            last_error=source.last_error,
            last_error_at=source.last_error_at,
            store_id=view.store_id if view else None,
            settings=view.settings if view else None,
            secrets=[SecretOut(name=s.name, origin=s.origin, hint=s.hint) for s in view.secrets]
            if view
            else None,
        )


class SourceCreate(BaseModel):
    """A new source. Secrets given here are stored encrypted and never shown again."""

    model_config = ConfigDict(strict=True, extra="forbid")

    key: str = Field(examples=["shopify-eu"], description="written to the `source` column of its records")
    kind: str = Field(examples=["shopify"], description=", ".join(service.KINDS))
    name: str = Field(examples=["Northwind EU shop"])
    store_id: RowId | None = None
    settings: dict[str, str] = Field(default_factory=dict, examples=[{"shop": "northwind.myshopify.com"}])
    secrets: dict[str, str] = Field(default_factory=dict, examples=[{"access_token": "shpat_..."}])


class SourceUpdate(BaseModel):
    """Changes to a source; what is left out stays. Settings are merged, an empty value removes one."""

    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = None
    store_id: RowId | None = Field(None, description="the store it feeds; null for none; left out: unchanged")
    settings: dict[str, str] | None = None
    is_enabled: bool | None = None


class SecretValue(BaseModel):
    """A secret's new value."""

    model_config = ConfigDict(strict=True, extra="forbid")

    value: str = Field(min_length=1, max_length=4000)


def _out(request: Request, user: User, source_key: str, session: DbSession) -> SourceOut:
    source = service.get_source(session=session, key=source_key)
    at = now(request)
    view = service.view_of(source, now=at) if Role(user.role).at_least(Role.manager) else None
    return SourceOut.of(service.status_of(source, now=at), view)


@router.get("", summary="List the sources and their sync status")
def list_sources(request: Request, session: DbSession, user: CurrentUser) -> list[SourceOut]:
    """Return every source with its last sync, lag and last error (managers and admins: settings too)."""
    at = now(request)
    manager = Role(user.role).at_least(Role.manager)
    return [
        SourceOut.of(service.status_of(s, now=at), service.view_of(s, now=at) if manager else None)
        for s in service.list_sources(session=session)
    ]


@router.get("/{key}", summary="Read one source")
def get_source(key: str, request: Request, session: DbSession, user: CurrentUser) -> SourceOut:
    """Return one source."""
    with as_http_errors():
        return _out(request, user, key, session)


@router.post("", status_code=201, summary="Add a source (admins)")
def create_source(body: SourceCreate, request: Request, session: DbSession, admin: Admin) -> SourceOut:
    """Add a source; its secrets are encrypted. Audited without the secret values."""
    with as_http_errors():
        source = service.create_source(
            session=session,
            key=body.key,
            kind=body.kind,
            name=body.name,
            store_id=body.store_id,
            settings=body.settings,
            secrets=body.secrets,
            box=secret_box(request),
            actor=admin,
            now=now(request),
        )
        return _out(request, admin, source.key, session)


@router.patch("/{key}", summary="Change, disable or enable a source (admins)")
def update_source(
    key: str, body: SourceUpdate, request: Request, session: DbSession, admin: Admin
) -> SourceOut:
    """Change a source's name, store or settings, or switch it off or on. Audited."""
    with as_http_errors():
        service.update_source(
            session=session,
            key=key,
            name=body.name,
            # Sent as null it unsets the store; only leaving it out keeps it.
            store_id=body.store_id if "store_id" in body.model_fields_set else service.UNCHANGED,
            settings=body.settings,
            actor=admin,
            now=now(request),
        )
        if body.is_enabled is not None:
            service.set_enabled(
                session=session, key=key, enabled=body.is_enabled, actor=admin, now=now(request)
            )
        return _out(request, admin, key, session)


@router.put("/{key}/secrets/{name}", summary="Set a secret of a source (admins)")
def set_secret(
    key: str, name: str, body: SecretValue, request: Request, session: DbSession, admin: Admin
) -> SourceOut:
    """Store one secret, encrypted; the answer shows only that it is set. Audited by name only."""
    with as_http_errors():
        service.set_secret(
            session=session,
            key=key,
            secret=name,
            value=body.value,
            box=secret_box(request),
            actor=admin,
            now=now(request),
        )
        return _out(request, admin, key, session)


@router.delete("/{key}/secrets/{name}", summary="Remove a secret of a source (admins)")
def remove_secret(key: str, name: str, request: Request, session: DbSession, admin: Admin) -> SourceOut:
    """Forget one stored secret. Audited."""
    with as_http_errors():
        service.set_secret(
            session=session,
            key=key,
            secret=name,
            value=None,
            box=secret_box(request),
            actor=admin,
            now=now(request),
        )
        return _out(request, admin, key, session)
