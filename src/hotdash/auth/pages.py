"""The account pages: sign in and out, the audit log, and (admins) users and API tokens.

The sign-in form carries its own CSRF token, matched against a short-lived cookie (double submit), so a
hostile page cannot sign a browser in to an account of its choosing. Failed sign-ins are throttled per email
(see hotdash.auth.throttle) and never say whether the email has an account.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from hotdash.auth import audit, service
from hotdash.auth.deps import (
    CurrentUser,
    OptionalPrincipal,
    clear_session_cookie,
    require_role,
    set_session_cookie,
)
from hotdash.auth.errors import AccountError
from hotdash.auth.models import Role, User
from hotdash.auth.throttle import LoginThrottle
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.services import services_of
from hotdash.kernel.http.session import DbSession

logger = logging.getLogger(__name__)

# /login and its form post: the only pages anyone may open without signing in.
public_router = APIRouter(include_in_schema=False)
# Everything else here; create_app puts current_user on it.
router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "hotdash_login_csrf"
_LOGIN_FORM_LIFETIME = 2 * 60 * 60
_BAD_CREDENTIALS = "That email and password do not match an active account. Check both and try again."

Manager = Annotated[User, Depends(require_role(Role.manager, "Managers and admins read the audit log."))]
Admin = Annotated[User, Depends(require_role(Role.admin, "Only admins manage users and API tokens."))]


def safe_next(value: str | None, default: str = "/") -> str:
    """Return `value` if it is a path on this site to go to after signing in, else `default`.

    Only a local absolute path is accepted: no scheme or host, no protocol-relative `//host`, no backslash
    (browsers read `/\\host` as `//host`), no control characters, nothing longer than a sane URL.
    """
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return default
    return value


def _throttle(request: Request) -> LoginThrottle:
    return services_of(request.app).get(LoginThrottle)


def _login_form(
    request: Request,
    session: DbSession,
    *,
    next_path: str,
    email: str = "",
    error: str | None,
    status: int,
) -> Response:
    token = secrets.token_urlsafe(32)
    context = {
        "next": next_path,
        "email": email,
        "error": error,
        "login_csrf": token,
        # A fresh install has nobody to sign in as: say how to make the first admin.
        "first_run": not service.has_users(session=session),
    }
    response = render_page(request, "login.html", context, status=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=_LOGIN_FORM_LIFETIME,
        path=request.url_for("login").path,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )
    return response


@public_router.get("/login", response_class=HTMLResponse, name="login")
def login_page(
    request: Request, session: DbSession, principal: OptionalPrincipal, next: str | None = None
) -> Response:
    """Show the sign-in form; someone already signed in goes straight on."""
    target = safe_next(next)
    if principal is not None and principal.web_session is not None:
        return RedirectResponse(target, status_code=303)
    return _login_form(request, session, next_path=target, error=None, status=200)


@public_router.post("/login", response_class=HTMLResponse, name="login_submit")
def login_submit(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the email and password; on success start a session and go on to `next` (a local path only)."""
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_form(
            request,
            session,
            next_path=target,
            email=email,
            error="The sign-in form had expired. Please sign in again.",
            status=400,
        )
    at = now(request)
    key = email.strip().lower()
    throttle = _throttle(request)
    locked_until = throttle.locked_until(key, at)
    if locked_until is not None:
        minutes = max(1, math.ceil((locked_until - at).total_seconds() / 60))
        logger.warning("sign-in refused: the email is locked out after repeated failures")
        return _login_form(
            request,
            session,
            next_path=target,
            email=email,
            error=f"Too many failed sign-ins for this email. Try again in {minutes} minutes.",
            status=429,
        )
    user = service.authenticate(session=session, email=email, password=password, now=at)
    if user is None:
        # Neither the email nor the password goes into the log: either can be the other, mistyped.
        if throttle.record_failure(key, at) is not None:
            logger.warning("sign-in locked out for 15 minutes after 5 failures for one email")
        else:
            logger.info("sign-in failed")
        return _login_form(
            request, session, next_path=target, email=email, error=_BAD_CREDENTIALS, status=400
        )
    throttle.succeeded(key)
    started = service.start_session(session=session, user=user, now=at)
    logger.info("user %s signed in", user.id)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, started.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=request.url_for("login").path)
    return response


@router.post("/logout", name="logout")
def logout(
    request: Request, session: DbSession, principal: OptionalPrincipal, _user: CurrentUser
) -> Response:
    """End this browser session and go to the sign-in page."""
    if principal is not None and principal.web_session is not None:
        service.end_session(session=session, web_session=principal.web_session)
    response = RedirectResponse(request.url_for("login").path, status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/audit", response_class=HTMLResponse, name="audit_page")
def audit_page(
    request: Request,
    session: DbSession,
    _manager: Manager,
    entity: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """List the newest changes: who, when, what, before and after."""
    entries = audit.recent(session=session, entity=entity or None, limit=200)
    return render_page(request, "audit.html", {"entries": entries, "entity": entity or "", "active": "audit"})


# Admin pages. Each change is a form post that redirects back with a fixed notice (the URL names the notice,
# never free text, so a crafted link cannot make the page say something else).

_NOTICES = {
    "user_created": "User added.",
    "user_changed": "User updated.",
    "token_revoked": "Token revoked.",
}


def _notice(done: str | None) -> str | None:
    return _NOTICES.get(done or "")


def _users_page(
    request: Request, session: DbSession, *, error: str | None, status: int, done: str | None
) -> Response:
    return render_page(
        request,
        "admin_users.html",
        {
            "users": service.list_users(session=session),
            "roles": [role.value for role in Role],
            "error": error,
            "notice": _notice(done),
            "active": "users",
        },
        status=status,
    )


@router.get("/admin/users", response_class=HTMLResponse, name="admin_users")
def admin_users(request: Request, session: DbSession, _admin: Admin, done: str | None = None) -> Response:
    """List users, with a form to add one and controls to change a role or deactivate."""
    return _users_page(request, session, error=None, status=200, done=done)


@router.post("/admin/users", response_class=HTMLResponse, name="admin_users_create")
def admin_users_create(
    request: Request,
    session: DbSession,
    admin: Admin,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Add a user from the form."""
    try:
        service.create_user(
            session=session,
            email=email,
            name=name,
            role=_role(role),
            password=password,
            actor=admin,
            now=now(request),
        )
    except AccountError as exc:
        return _users_page(request, session, error=str(exc), status=exc.status_code, done=None)
    return RedirectResponse(request.url_for("admin_users").path + "?done=user_created", status_code=303)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AccountError(f"Choose a role: {', '.join(role.value for role in Role)}.") from None


@router.post("/admin/users/{user_id}", response_class=HTMLResponse, name="admin_users_update")
def admin_users_update(
    user_id: RowId,
    request: Request,
    session: DbSession,
    admin: Admin,
    role: Annotated[str | None, Form()] = None,
    active: Annotated[str | None, Form()] = None,
) -> Response:
    """Change a user's role, or deactivate or reactivate them."""
    user = service.get_user(session=session, user_id=user_id)
    try:
        if user is None:
            raise AccountError(f"There is no user with id {user_id}.")
        if role:
            service.set_role(session=session, user=user, role=_role(role), actor=admin, now=now(request))
        if active == "no":
            service.deactivate(session=session, user=user, actor=admin, now=now(request))
        elif active == "yes":
            service.reactivate(session=session, user=user, actor=admin, now=now(request))
    except AccountError as exc:
        return _users_page(request, session, error=str(exc), status=exc.status_code, done=None)
    return RedirectResponse(request.url_for("admin_users").path + "?done=user_changed", status_code=303)


def _tokens_page(
    request: Request,
    session: DbSession,
    *,
    error: str | None = None,
    status: int = 200,
    done: str | None = None,
    created: service.NewToken | None = None,
) -> Response:
    return render_page(
        request,
        "admin_tokens.html",
        {
            "tokens": service.list_tokens(session=session),
            "users": [user for user in service.list_users(session=session) if user.is_active],
            "error": error,
            "notice": _notice(done),
            # Shown once, in this response only: never in a URL, a log or a later page.
            "created": created,
            "now": now(request),
            "active": "tokens",
        },
        status=status,
    )


@router.get("/admin/tokens", response_class=HTMLResponse, name="admin_tokens")
def admin_tokens(request: Request, session: DbSession, _admin: Admin, done: str | None = None) -> Response:
    """List API tokens, with a form to create one and a button to revoke each."""
    return _tokens_page(request, session, done=done)


@router.post("/admin/tokens", response_class=HTMLResponse, name="admin_tokens_create")
def admin_tokens_create(
    request: Request,
    session: DbSession,
    admin: Admin,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    expires_in_days: Annotated[str, Form()] = "",
) -> Response:
    """Create a token and show it, this once."""
    at = now(request)
    try:
        owner = service.find_user(session=session, email=email) if email else admin
        if owner is None:
            raise AccountError("There is no user with that email.")
        expires_at = None
        if expires_in_days.strip():
            if not expires_in_days.strip().isdigit() or not 1 <= int(expires_in_days) <= 3650:
                raise AccountError("Expiry: enter a whole number of days from 1 to 3650, or leave it empty.")
            expires_at = at + timedelta(days=int(expires_in_days))
        made = service.create_token(
            session=session, user=owner, name=name, actor=admin, now=at, expires_at=expires_at
        )
    except AccountError as exc:
        return _tokens_page(request, session, error=str(exc), status=exc.status_code)
    return _tokens_page(request, session, created=made, status=201)


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse, name="admin_tokens_revoke")
def admin_tokens_revoke(token_id: RowId, request: Request, session: DbSession, admin: Admin) -> Response:
    """Revoke a token."""
    token = service.get_token(session=session, token_id=token_id)
    if token is None:
        return _tokens_page(request, session, error=f"There is no API token with id {token_id}.", status=404)
    service.revoke_token(session=session, api_token=token, actor=admin, now=now(request))
    return RedirectResponse(request.url_for("admin_tokens").path + "?done=token_revoked", status_code=303)
