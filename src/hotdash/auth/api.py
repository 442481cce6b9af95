"""The account API: who am I, and (admins) users and API tokens. A thin layer over hotdash.auth.service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from hotdash.auth import service
from hotdash.auth.deps import OptionalPrincipal, require_role
from hotdash.auth.errors import AccountError, NotAuthenticated, UnknownToken, UnknownUser
from hotdash.auth.models import Role, User
from hotdash.auth.schemas import Me, TokenCreate, TokenCreated, TokenOut, UserCreate, UserOut, UserUpdate
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import ApiError
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.session import DbSession

router = APIRouter(prefix="/api/v1", tags=["accounts"])

Admin = Annotated[User, Depends(require_role(Role.admin, "Only admins manage users and API tokens."))]


@contextmanager
def _as_http_errors() -> Iterator[None]:
    try:
        yield
    except AccountError as exc:
        raise ApiError(exc.status_code, exc.code, str(exc)) from exc


@router.get("/me", summary="Who is signed in")
def me(principal: OptionalPrincipal) -> Me:
    """Return the signed-in user and whether a browser session or an API token signed the request in."""
    if principal is None:
        raise NotAuthenticated()
    user = principal.user
    return Me(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        signed_in_with="session" if principal.web_session is not None else "token",
    )


@router.get("/users", summary="List users (admins)")
def list_users(session: DbSession, _admin: Admin) -> list[UserOut]:
    """Return every user, by email."""
    return [UserOut.of(user) for user in service.list_users(session=session)]


@router.post("/users", status_code=201, summary="Add a user (admins)")
def create_user(body: UserCreate, request: Request, session: DbSession, admin: Admin) -> UserOut:
    """Add a user; the email must be new and the password at least 12 characters. Audited."""
    with _as_http_errors():
        user = service.create_user(
            session=session,
            email=body.email,
            name=body.name,
            role=Role(body.role),
            password=body.password.get_secret_value(),
            actor=admin,
            now=now(request),
        )
    return UserOut.of(user)


@router.patch("/users/{user_id}", summary="Change a user's role or deactivate them (admins)")
def update_user(
    user_id: RowId, body: UserUpdate, request: Request, session: DbSession, admin: Admin
) -> UserOut:
    """Change the role, or deactivate (`is_active: false`: ends sessions, stops tokens) or reactivate."""
    user = service.get_user(session=session, user_id=user_id)
    if user is None:
        raise ApiError(404, UnknownUser.code, f"There is no user with id {user_id}.")
    with _as_http_errors():
        if body.role is not None:
            service.set_role(session=session, user=user, role=Role(body.role), actor=admin, now=now(request))
        if body.is_active is False:
            service.deactivate(session=session, user=user, actor=admin, now=now(request))
        elif body.is_active is True:
            service.reactivate(session=session, user=user, actor=admin, now=now(request))
    return UserOut.of(user)


@router.get("/tokens", summary="List API tokens (admins)")
def list_tokens(session: DbSession, _admin: Admin) -> list[TokenOut]:
    """Return every API token, newest first, with its prefix (never the token itself)."""
    return [TokenOut.of(token, user) for token, user in service.list_tokens(session=session)]


@router.post("/tokens", status_code=201, summary="Create an API token (admins)")
def create_token(body: TokenCreate, request: Request, session: DbSession, admin: Admin) -> TokenCreated:
    """Create a token acting as a user; the response is the only time the token is shown. Audited."""
    owner = admin
    if body.email is not None:
        found = service.find_user(session=session, email=body.email)
        if found is None:
            raise ApiError(404, UnknownUser.code, "There is no user with that email.")
        owner = found
    at = now(request)
    expires_at = at + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    with _as_http_errors():
        made = service.create_token(
            session=session, user=owner, name=body.name, actor=admin, now=at, expires_at=expires_at
        )
    return TokenCreated(**TokenOut.of(made.record, owner).model_dump(), token=made.token)


@router.delete("/tokens/{token_id}", summary="Revoke an API token (admins)")
def revoke_token(token_id: RowId, request: Request, session: DbSession, admin: Admin) -> TokenOut:
    """Revoke a token for good: requests with it get 401 from now on. Audited."""
    token = service.get_token(session=session, token_id=token_id)
    if token is None:
        raise ApiError(404, UnknownToken.code, f"There is no API token with id {token_id}.")
    with _as_http_errors():
        service.revoke_token(session=session, api_token=token, actor=admin, now=now(request))
    owner = service.get_user(session=session, user_id=token.user_id)
    assert owner is not None  # the foreign key cascades: a token never outlives its user
    return TokenOut.of(token, owner)
