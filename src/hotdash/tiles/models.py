"""Manager-set values of the playbook's thresholds; a threshold without a row uses its default."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from hotdash.db.base import Base, IdMixin, IdType


class ThresholdOverride(IdMixin, Base):
    """The value a manager set for one threshold."""

    __tablename__ = "threshold_overrides"

    key: Mapped[str] = mapped_column(String(96), unique=True)
    value: Mapped[float] = mapped_column(Numeric(18, 6, asdecimal=False))
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="SET NULL"))
