"""The Sources settings page: everyone signed in sees each source's last sync, lag and last error; managers
and admins see its settings and which secrets are set; admins add, change and disable sources and set secrets.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from hotdash.auth.deps import CurrentUser, require_role
from hotdash.auth.models import Role, User
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.session import DbSession
from hotdash.store import service as store_service
from hotdash.store.sources import service
from hotdash.store.sources.api import secret_box
from hotdash.store.sources.crypto import SecretKeyError

router = APIRouter(include_in_schema=False)

Admin = Annotated[User, Depends(require_role(Role.admin, "Only admins add and change sources."))]

# The store picker's value for "no store".
NO_STORE = "none"

NOTICES = {
    "added": "Source added.",
    "saved": "Settings saved.",
    "secret": "Secret saved. It is stored encrypted and is not shown again.",
    "removed": "Secret removed.",
    "disabled": "Source disabled: it is no longer synced.",
    "enabled": "Source enabled.",
}


def parse_settings(text: str) -> dict[str, str]:
    """Read `name = value` lines (blank lines ignored); an empty value removes the setting."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep:
            raise service.SourceError(f"Settings line {number} needs the form name = value.")
        found[name.strip()] = value.strip()
    return found


def _page(
    request: Request,
    session: DbSession,
    user: User,
    *,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    at = now(request)
    sources = service.list_sources(session=session)
    manager = Role(user.role).at_least(Role.manager)
    return render_page(
        request,
        "settings_sources.html",
        {
            "statuses": [service.status_of(source, now=at) for source in sources],
            "views": {source.key: service.view_of(source, now=at) for source in sources} if manager else {},
            "can_see_settings": manager,
            "can_edit": Role(user.role).at_least(Role.admin),
            "kinds": service.KINDS,
            # Stores by name, so an admin picks one instead of typing an id from `hotdash info`.
            "stores": {store.id: store.name for store in store_service.list_stores(session=session)},
            "notice": notice,
            "error": error,
            "active": "sources",
        },
        status=status,
    )


def _back(request: Request, done: str, key: str | None = None) -> Response:
    path = request.url_for("sources_page").path
    return RedirectResponse(f"{path}?done={done}" + (f"#source-{key}" if key else ""), status_code=303)


@router.get("/settings/sources", response_class=HTMLResponse, name="sources_page")
def sources_page(
    request: Request, session: DbSession, user: CurrentUser, done: str | None = None
) -> Response:
    """Show every source's sync status; settings for managers and admins, forms for admins."""
    return _page(request, session, user, notice=NOTICES.get(done or ""))


def _refused(request: Request, session: DbSession, user: User, exc: Exception) -> Response:
    status = (
        404 if isinstance(exc, service.UnknownSource) else 503 if isinstance(exc, SecretKeyError) else 422
    )
    return _page(request, session, user, error=f"Not saved: {exc}", status=status)


@router.post("/settings/sources", response_class=HTMLResponse, name="sources_create")
def sources_create(
    request: Request,
    session: DbSession,
    admin: Admin,
    key: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    store_id: Annotated[str, Form()] = "",
    settings: Annotated[str, Form()] = "",
) -> Response:
    """Add a source from the form."""
    try:
        service.create_source(
            session=session,
            key=key.strip(),
            kind=kind,
            name=name,
            store_id=_store_id(store_id),
            settings=parse_settings(settings),
            secrets={},
            box=secret_box(request),
            actor=admin,
            now=now(request),
        )
    except (service.SourceError, SecretKeyError) as exc:
        return _refused(request, session, admin, exc)
    return _back(request, "added", key.strip())


def _store_id(text: str) -> int | None:
    if text.strip() in ("", NO_STORE):
        return None
    if not text.strip().isdigit():
        raise service.SourceError("The store id is a whole number (`hotdash info` lists the stores).")
    return int(text)


@router.post("/settings/sources/{key}", response_class=HTMLResponse, name="sources_update")
def sources_update(
    key: str,
    request: Request,
    session: DbSession,
    admin: Admin,
    name: Annotated[str, Form()] = "",
    store_id: Annotated[str, Form()] = "",
    settings: Annotated[str, Form()] = "",
) -> Response:
    """Save a source's name, store and settings from its form (settings left out of the text are removed).

    The store picker's "none" unsets the store; a form without the picker leaves it as it is.
    """
    try:
        source = service.get_source(session=session, key=key)
        wanted = parse_settings(settings)
        # The form shows every setting, so one that is no longer in the text was deleted by the admin.
        removed = {
            setting: ""
            for setting in service.view_of(source, now=now(request)).settings
            if setting not in wanted
        }
        service.update_source(
            session=session,
            key=key,
            name=name or None,
            # FastAPI reads an empty field as a missing one, so "no store" is the word `none`, not "".
            store_id=_store_id(store_id) if store_id.strip() else service.UNCHANGED,
            settings={**removed, **wanted},
            actor=admin,
            now=now(request),
        )
    except service.SourceError as exc:
        return _refused(request, session, admin, exc)
    return _back(request, "saved", key)


@router.post("/settings/sources/{key}/secret", response_class=HTMLResponse, name="sources_secret")
def sources_secret(
    key: str,
    request: Request,
    session: DbSession,
    admin: Admin,
    secret: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "save",
) -> Response:
    """Store (or remove) one secret of a source."""
    try:
        service.set_secret(
            session=session,
            key=key,
            secret=secret.strip(),
            value=None if action == "remove" else value,
            box=secret_box(request),
            actor=admin,
            now=now(request),
        )
    except (service.SourceError, SecretKeyError) as exc:
        return _refused(request, session, admin, exc)
    return _back(request, "removed" if action == "remove" or not value else "secret", key)


@router.post("/settings/sources/{key}/enabled", response_class=HTMLResponse, name="sources_enabled")
def sources_enabled(
    key: str,
    request: Request,
    session: DbSession,
    admin: Admin,
    enabled: Annotated[str, Form()] = "",
) -> Response:
    """Enable or disable a source."""
    try:
        service.set_enabled(session=session, key=key, enabled=enabled == "1", actor=admin, now=now(request))
    except service.SourceError as exc:
        return _refused(request, session, admin, exc)
    return _back(request, "enabled" if enabled == "1" else "disabled", key)
