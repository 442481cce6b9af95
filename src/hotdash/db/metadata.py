"""The complete metadata of every context, for migrations and schema checks."""

from __future__ import annotations

from hotdash.db.base import Base

# Importing the model modules registers their tables on Base.metadata.
import hotdash.store.models  # noqa: F401  # isort: skip

target_metadata = Base.metadata
