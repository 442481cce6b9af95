"""Declarative base and the mixins every table shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from hotdash.db.types import UTCDateTime

# Deterministic constraint names, so Alembic migrations can drop and alter them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only aliases the rowid (fast, auto-assigned) when the key is exactly INTEGER PRIMARY KEY.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Root of every HotDash table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads it as a class attribute


class IdMixin:
    """A surrogate integer primary key."""

    id: Mapped[int] = mapped_column(IdType, primary_key=True)


class SourceMixin:
    """Where an imported record came from; (source, external_id) is unique so a re-import updates in place."""

    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("source", "external_id"),)
