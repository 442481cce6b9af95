"""Users, sign-in, browser sessions and API tokens.

Secrets are never stored or audited in the clear: passwords as argon2id hashes, session cookies and API tokens
as SHA-256 digests (they are long random strings, so a fast hash is enough). The plaintext of a session or a
token exists only in the value returned when it is made.

`actor=None` means the system (a CLI command run by whoever has shell access to the server); a user actor
must be an admin to manage users and tokens.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from hotdash.auth import passwords
from hotdash.auth.audit import record
from hotdash.auth.errors import AccountError, EmailTaken, LastAdmin, NotAllowed
from hotdash.auth.models import ApiToken, Role, User, WebSession

# A browser session ends after 12 hours without a request, and 7 days after sign-in whatever happens.
SESSION_IDLE = timedelta(hours=12)
SESSION_MAX_AGE = timedelta(days=7)
# Recording every request of a busy dashboard would be a write per poll; once a minute is precise enough.
TOUCH_INTERVAL = timedelta(minutes=1)

TOKEN_PREFIX = "hd_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for, not a secret
# "hd_" and 8 random characters: enough to tell tokens apart in a list, far too few to guess the rest.
_SHOWN_PREFIX = len(TOKEN_PREFIX) + 8
# Longer than any token or cookie this module makes; anything longer is not worth hashing.
_MAX_SECRET_LENGTH = 256

# Deliberately loose (a name, an @, a dotted domain): the address is an identifier here, not a mailbox.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest stored in place of a session cookie or API token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Return the address trimmed and lower-cased, or raise AccountError if it is not an address."""
    address = email.strip().lower()
    # The message does not repeat the input: a password typed into the wrong field must not be echoed.
    if len(address) > 255 or not _EMAIL.fullmatch(address):
        raise AccountError(
            "That is not an email address: it needs a name, an @ and a domain, e.g. ana@example.com."
        )
    return address


def _clean_name(name: str, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise AccountError(f"The {what} cannot be empty.")
    if len(cleaned) > 200:
        raise AccountError(f"The {what} can have at most 200 characters.")
    return cleaned


def _require_admin(actor: User | None, what: str) -> None:
    if actor is not None and not Role(actor.role).at_least(Role.admin):
        raise NotAllowed(f"Only admins {what}.")


# Users


def find_user(*, session: Session, email: str) -> User | None:
    """Return the user with this email address (any case), if there is one."""
    try:
        address = normalise_email(email)
    except AccountError:
        return None
    return session.scalar(select(User).where(User.email == address))


def get_user(*, session: Session, user_id: int) -> User | None:
    """Return the user with this id, if there is one."""
    return session.get(User, user_id)


def has_users(*, session: Session) -> bool:
    """Tell whether anyone has an account yet."""
    return session.scalar(select(User.id).limit(1)) is not None


def list_users(*, session: Session) -> list[User]:
    """Return every user, by email."""
    return list(session.scalars(select(User).order_by(User.email)))


def create_user(
    *,
    session: Session,
    email: str,
    name: str,
    role: Role,
    password: str,
    actor: User | None,
    now: datetime,
) -> User:
    """Create a user (an audited change); the email is stored lower-case and must be new."""
    _require_admin(actor, "add users")
    address = normalise_email(email)
    display_name = _clean_name(name, "name")
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise EmailTaken(f"A user with the email {address} already exists.")
    user = User(
        email=address,
        name=display_name,
        password_hash=passwords.hash_password(password, context=(address, display_name)),
        role=Role(role).value,
        is_active=True,
        created_at=now,
        last_login_at=None,
    )
    session.add(user)
    session.flush()
    record(
        session=session,
        at=now,
        actor=actor,
        action="user.create",
        entity="user",
        entity_key=address,
        before=None,
        after={"email": address, "role": user.role},
    )
    return user


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.role == Role.admin.value, User.is_active)
    return session.execute(query).scalar_one()


def _refuse_losing_last_admin(session: Session, user: User) -> None:
    # Without an active admin nobody can manage users from the web or the API again.
    if user.role == Role.admin.value and user.is_active and _active_admins(session) <= 1:
        raise LastAdmin(
            f"{user.email} is the only active admin. Make another user an admin first, so someone can still "
            "manage users and tokens."
        )


def set_role(*, session: Session, user: User, role: Role, actor: User | None, now: datetime) -> User:
    """Give a user another role (an audited change)."""
    _require_admin(actor, "change roles")
    role = Role(role)
    if user.role == role.value:
        return user
    if role != Role.admin:
        _refuse_losing_last_admin(session, user)
    before = user.role
    user.role = role.value
    session.flush()
    record(
        session=session,
        at=now,
        actor=actor,
        action="user.set_role",
        entity="user",
        entity_key=user.email,
        before={"role": before},
        after={"role": role.value},
    )
    return user


def deactivate(*, session: Session, user: User, actor: User | None, now: datetime) -> User:
    """Stop a user from signing in and end their sessions (an audited change); their tokens stop working."""
    _require_admin(actor, "deactivate users")
    if not user.is_active:
        return user
    _refuse_losing_last_admin(session, user)
    user.is_active = False
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    record(
        session=session,
        at=now,
        actor=actor,
        action="user.deactivate",
        entity="user",
        entity_key=user.email,
        before={"is_active": True},
        after={"is_active": False},
    )
    return user


def reactivate(*, session: Session, user: User, actor: User | None, now: datetime) -> User:
    """Let a deactivated user sign in again (an audited change)."""
    _require_admin(actor, "reactivate users")
    if user.is_active:
        return user
    user.is_active = True
    session.flush()
    record(
        session=session,
        at=now,
        actor=actor,
        action="user.reactivate",
        entity="user",
        entity_key=user.email,
        before={"is_active": False},
        after={"is_active": True},
    )
    return user


def set_password(*, session: Session, user: User, password: str, actor: User | None, now: datetime) -> None:
    """Give a user a new password and end their browser sessions (audited, without the password)."""
    if actor is not None and actor.id != user.id:
        _require_admin(actor, "set other users' passwords")
    user.password_hash = passwords.hash_password(password, context=(user.email, user.name))
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()
    record(
        session=session,
        at=now,
        actor=actor,
        action="user.set_password",
        entity="user",
        entity_key=user.email,
        before=None,
        after=None,
        note="password changed; the user's browser sessions were ended",
    )


def authenticate(*, session: Session, email: str, password: str, now: datetime) -> User | None:
    """Return the active user with this email and password, else None, taking as long either way."""
    user = find_user(session=session, email=email)
    if user is None:
        # Without this, "no such user" answers in microseconds and "wrong password" in a hash's time.
        passwords.burn_verification(password)
        return None
    if not passwords.verify_password(user.password_hash, password) or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.rehash(password)
    user.last_login_at = now
    session.flush()
    return user


def ensure_demo_admin(*, session: Session, now: datetime) -> tuple[str, str]:
    """Create admin@hotdash.local, or reset its password, with a new random password; return both."""
    email, password = "admin@hotdash.local", passwords.generate_password()
    user = find_user(session=session, email=email)
    if user is None:
        create_user(
            session=session,
            email=email,
            name="Demo admin",
            role=Role.admin,
            password=password,
            actor=None,
            now=now,
        )
        return email, password
    set_password(session=session, user=user, password=password, actor=None, now=now)
    set_role(session=session, user=user, role=Role.admin, actor=None, now=now)
    reactivate(session=session, user=user, actor=None, now=now)
    return email, password


# Browser sessions


@dataclass(frozen=True)
class NewSession:
    """A session just made; `token` goes into the cookie and is not kept anywhere else."""

    record: WebSession
    token: str = field(repr=False)


def start_session(*, session: Session, user: User, now: datetime) -> NewSession:
    """Start a browser session for a user who just signed in."""
    # Sign-in is a natural moment to forget this user's dead sessions; nothing else needs them.
    session.execute(delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=min(now + SESSION_IDLE, now + SESSION_MAX_AGE),
        last_seen_at=now,
    )
    session.add(web_session)
    session.flush()
    return NewSession(record=web_session, token=token)


def resolve_session(*, session: Session, token: str, now: datetime) -> tuple[WebSession, User] | None:
    """Return the live session for a cookie value and its user; None if there is none. Reads only."""
    if not token or len(token) > _MAX_SECRET_LENGTH:
        return None
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == digest(token))
    ).first()
    if row is None:
        return None
    web_session, user = row
    hard_end = web_session.created_at + SESSION_MAX_AGE
    if not user.is_active or now >= web_session.expires_at or now >= hard_end:
        return None
    return web_session, user


def session_use_due(web_session: WebSession, now: datetime) -> bool:
    """Tell whether a session's last use (and so its sliding expiry) is due to be written again."""
    return now - web_session.last_seen_at >= TOUCH_INTERVAL


def touch_session(*, session: Session, session_id: int, created_at: datetime, now: datetime) -> None:
    """Record a session's use at `now` and slide its expiry; an older `now` changes nothing."""
    # Resolving a session only reads: a GET must never write inside its read transaction (SQLite refuses
    # to upgrade it once another connection has committed). The caller runs this in a writing transaction.
    session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.last_seen_at < now)
        .values(last_seen_at=now, expires_at=min(now + SESSION_IDLE, created_at + SESSION_MAX_AGE))
    )


def end_session(*, session: Session, web_session: WebSession) -> None:
    """End a browser session (sign out)."""
    session.delete(web_session)
    session.flush()


# API tokens


@dataclass(frozen=True)
class NewToken:
    """A token just made; `token` is shown once to whoever made it and is not kept anywhere."""

    record: ApiToken
    token: str = field(repr=False)


def create_token(
    *,
    session: Session,
    user: User,
    name: str,
    actor: User | None,
    now: datetime,
    expires_at: datetime | None = None,
) -> NewToken:
    """Create an API token acting as `user` (an audited change, admins only)."""
    _require_admin(actor, "create API tokens")
    label = _clean_name(name, "token name")
    if not user.is_active:
        raise AccountError(f"{user.email} is deactivated; a token for them would not work.")
    if expires_at is not None and expires_at <= now:
        raise AccountError("A token's expiry must be in the future.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(
        token_hash=digest(token),
        prefix=token[:_SHOWN_PREFIX],
        name=label,
        user_id=user.id,
        created_at=now,
        last_used_at=None,
        expires_at=expires_at,
        revoked_at=None,
    )
    session.add(api_token)
    session.flush()
    record(
        session=session,
        at=now,
        actor=actor,
        action="token.create",
        entity="api_token",
        entity_key=str(api_token.id),
        before=None,
        after={
            "name": label,
            "prefix": api_token.prefix,
            "user": user.email,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return NewToken(record=api_token, token=token)


def resolve_token(*, session: Session, token: str, now: datetime) -> tuple[ApiToken, User] | None:
    """Return the usable token for a bearer value and its user; None if there is none. Reads only."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_SECRET_LENGTH:
        return None
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(token))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.revoked_at is not None or not user.is_active:
        return None
    if api_token.expires_at is not None and now >= api_token.expires_at:
        return None
    return api_token, user


def token_use_due(api_token: ApiToken, now: datetime) -> bool:
    """Tell whether a token's last use is due to be written again."""
    return api_token.last_used_at is None or now - api_token.last_used_at >= TOUCH_INTERVAL


def touch_token(*, session: Session, token_id: int, now: datetime) -> None:
    """Record a token's use at `now`; an older `now` than the stored one changes nothing."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now))
        .values(last_used_at=now)
    )


def get_token(*, session: Session, token_id: int) -> ApiToken | None:
    """Return the token with this id, if there is one."""
    return session.get(ApiToken, token_id)


def list_tokens(*, session: Session) -> list[tuple[ApiToken, User]]:
    """Return every token with its user, newest first."""
    query = (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [(token, user) for token, user in session.execute(query)]


def revoke_token(*, session: Session, api_token: ApiToken, actor: User | None, now: datetime) -> ApiToken:
    """Revoke a token for good (an audited change, admins only); revoking it again changes nothing."""
    _require_admin(actor, "revoke API tokens")
    if api_token.revoked_at is not None:
        return api_token
    api_token.revoked_at = now
    session.flush()
    record(
        session=session,
        at=now,
        actor=actor,
        action="token.revoke",
        entity="api_token",
        entity_key=str(api_token.id),
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat(), "name": api_token.name, "prefix": api_token.prefix},
    )
    return api_token
