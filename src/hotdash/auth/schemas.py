"""The account API's input and output models; input is strict (no `false` for a number, no "1" for a bool)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hotdash.auth.models import ApiToken, User

# A Literal, not the Role enum: in strict mode an enum field accepts only enum instances, not the JSON string.
RoleName = Literal["viewer", "operator", "manager", "admin"]


class StrictInput(BaseModel):
    """Base of every request body: strict types, unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class UserCreate(StrictInput):
    """A new user."""

    email: str = Field(min_length=3, max_length=255, examples=["ana@example.com"])
    name: str = Field(min_length=1, max_length=200)
    role: RoleName
    # SecretStr keeps the password out of reprs, logs and error reports.
    password: SecretStr = Field(description="at least 12 characters")


class UserUpdate(StrictInput):
    """A change to a user: another role, or deactivating (or reactivating) them."""

    role: RoleName | None = None
    is_active: bool | None = None


class UserOut(BaseModel):
    """A user as the API shows them; never the password hash."""

    id: int
    email: str
    name: str
    role: RoleName
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            is_active=user.is_active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class Me(BaseModel):
    """Who the request is signed in as, and how."""

    id: int
    email: str
    name: str
    role: RoleName
    signed_in_with: Literal["session", "token"]


class TokenCreate(StrictInput):
    """A new API token, acting as the user with `email` (by default the admin who creates it)."""

    name: str = Field(min_length=1, max_length=200, examples=["nightly export"])
    email: str | None = Field(default=None, description="whose rights the token has; default: yours")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description="default: never expires")


class TokenOut(BaseModel):
    """An API token as lists show it: its prefix, never the token."""

    id: int
    name: str
    prefix: str
    user_email: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken, user: User) -> TokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            user_email=user.email,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )


class TokenCreated(TokenOut):
    """A token just created: `token` is shown this once and cannot be read again."""

    token: str = Field(
        repr=False, description="send as `Authorization: Bearer <token>`; store it now, it is not shown again"
    )
