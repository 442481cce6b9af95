"""Every table of every context in one MetaData, for migrations and schema checks.

It sits at the top of the package, beside app and cli, because it must import each context's models; the db
layer underneath knows none of them.
"""

from __future__ import annotations

from hotdash.db.base import Base

# Importing the model modules registers their tables on Base.metadata.
import hotdash.auth.models  # isort: skip
import hotdash.detection.models  # isort: skip
import hotdash.kernel.jobs.models  # isort: skip
import hotdash.store.models  # isort: skip
import hotdash.kernel.tunables.models  # noqa: F401  # isort: skip

target_metadata = Base.metadata
