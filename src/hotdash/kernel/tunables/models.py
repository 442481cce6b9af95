"""Manager-set values of the tunables; a tunable without a row uses its default."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType


class TunableOverride(IdMixin, Base):
    """The value a manager set for one tunable."""

    # The table kept the name it had when only tiles had thresholds: renaming it would cost a migration.
    __tablename__ = "threshold_overrides"

    key: Mapped[str] = mapped_column(String(96), unique=True)
    value: Mapped[float] = mapped_column(Numeric(18, 6, asdecimal=False))
    updated_at: Mapped[datetime]
    # A plain reference by table name: the users table belongs to auth, a layer above this one.
    updated_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
