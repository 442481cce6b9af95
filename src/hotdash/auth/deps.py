"""Who is asking: FastAPI dependencies for signing in, roles and CSRF.

A request is signed in by an API token (`Authorization: Bearer hd_...`) or else by the `hotdash_session`
cookie. A change (POST, PUT, PATCH, DELETE) made with the cookie must also carry the session's CSRF token, in
the form field `csrf_token` or the `X-CSRF-Token` header: the browser sends the cookie with any request,
including one a hostile page makes it send. Token requests carry no ambient credentials and need no CSRF
token.

`create_app` puts `current_user` on every router except the sign-in page, the health check and static files;
handlers that need the user ask for `CurrentUser` (FastAPI computes it once per request).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import Response

from hotdash.auth import service
from hotdash.auth.errors import CsrfFailed, NotAuthenticated, PermissionDenied
from hotdash.auth.models import Role, User, WebSession
from hotdash.auth.usage import UsageRecorder
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.services import services_of
from hotdash.kernel.http.session import READ_ONLY_METHODS, DbSession

SESSION_COOKIE = "hotdash_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="API token",
    description="An API token (`hd_...`); admins make them with `hotdash tokens create` or the API.",
)


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, for templates: plain values that stay readable after the unit of work ends.

    (An error rolls the request's session back, which expires ORM objects; the error page still shows this.)
    """

    id: int
    email: str
    name: str
    role: str

    def at_least(self, role: str) -> bool:
        """Tell whether this user's role includes `role`'s rights."""
        return Role(self.role).at_least(Role(role))


@dataclass(frozen=True)
class Principal:
    """A signed-in user and how they signed in: with a browser session, or with an API token (no session)."""

    user: User
    web_session: WebSession | None


def resolve_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal | None:
    """Return who signed this request in, or None; an API token that does not work is a 401 at once."""
    principal: Principal | None = None
    if credentials is not None:
        found_token = service.resolve_token(session=session, token=credentials.credentials, now=now(request))
        if found_token is None:
            # No falling back to the cookie: a program whose token stopped working must hear about it.
            raise NotAuthenticated(
                "This API token does not work: it is unknown, revoked or expired, or its user is deactivated."
            )
        principal = Principal(user=found_token[1], web_session=None)
        _usage(request).token_used(found_token[0], now(request), within=_writing(request, session))
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        found_session = (
            service.resolve_session(session=session, token=cookie, now=now(request)) if cookie else None
        )
        if found_session is not None:
            principal = Principal(user=found_session[1], web_session=found_session[0])
            _usage(request).session_used(found_session[0], now(request), within=_writing(request, session))
    # Templates read these to show who is signed in and to put the CSRF token into forms and htmx requests.
    user = principal.user if principal else None
    request.state.user = SignedIn(user.id, user.email, user.name, user.role) if user else None
    request.state.csrf_token = (
        principal.web_session.csrf_token if principal and principal.web_session else None
    )
    return principal


def _usage(request: Request) -> UsageRecorder:
    return services_of(request.app).get(UsageRecorder)


def _writing(request: Request, session: DbSession) -> DbSession | None:
    # A request that may change data holds the write lock already and records the use itself; a reader
    # leaves it to the recorder's own short transaction.
    return None if request.method in READ_ONLY_METHODS else session


OptionalPrincipal = Annotated[Principal | None, Depends(resolve_principal)]


async def _sent_csrf_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # Starlette keeps the parsed form on the request, so the handler's Form() parameters reuse it.
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def verify_csrf(request: Request, expected: str) -> None:
    """Refuse with 403 unless the request carries `expected` as its CSRF token."""
    sent = await _sent_csrf_token(request)
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


async def current_user(request: Request, principal: OptionalPrincipal) -> User:
    """Return the signed-in user (else 401, or a redirect for pages); CSRF-check cookie changes."""
    if principal is None:
        raise NotAuthenticated()
    if principal.web_session is not None and request.method not in SAFE_METHODS:
        await verify_csrf(request, principal.web_session.csrf_token)
    return principal.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(minimum: Role, message: str | None = None) -> Callable[[User], User]:
    """Return a dependency that lets only users with `minimum` or a higher role through (403 otherwise)."""

    def dependency(user: CurrentUser) -> User:
        if not Role(user.role).at_least(minimum):
            higher = [role.value for role in Role if role.at_least(minimum)]
            raise PermissionDenied(
                message
                or f"This needs the {minimum.value} role or higher; you are signed in as {user.role}.",
                {"required_role": minimum.value, "your_role": user.role, "allowed_roles": higher},
            )
        return user

    return dependency


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """Put the session token into the HttpOnly cookie (Secure when the request came over https)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(service.SESSION_MAX_AGE.total_seconds()),
        path="/",
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    """Tell the browser to forget the session cookie."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=request.url.scheme == "https", samesite="lax"
    )
