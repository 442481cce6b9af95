"""Users, their browser sessions and API tokens, and the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType


class Role(StrEnum):
    """What a user may do; each role includes everything the roles before it may do."""

    viewer = "viewer"  # reads the dashboard
    operator = "operator"  # works cases and detections
    manager = "manager"  # changes thresholds and rules
    admin = "admin"  # manages users and API tokens

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        """Tell whether this role includes `other`'s rights."""
        return self.rank >= other.rank


class User(IdMixin, Base):
    """A person who signs in to HotDash."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), doc="argon2id hash")
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class WebSession(IdMixin, Base):
    """A signed-in browser; only a hash of its cookie value is stored."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ApiToken(IdMixin, Base):
    """A bearer token for the JSON API, acting as its user; only a hash is stored."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), doc="first characters, to recognise a token in lists")
    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEntry(IdMixin, Base):
    """One change: who, what, when, before and after."""

    __tablename__ = "audit_log"

    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(255), doc="kept when the user is gone")
    action: Mapped[str] = mapped_column(String(64), doc="e.g. threshold.update, user.create")
    entity: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(255))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


Index("ix_audit_log_at", AuditEntry.at)
Index("ix_audit_log_entity", AuditEntry.entity, AuditEntry.entity_key)
