"""Numbers a request names, bounded to what the database can hold.

A row id or offset of 2^63 or more passed validation as a Python int and then failed in the driver
(`OverflowError` on SQLite, out of range on PostgreSQL): a 500 on about twenty routes. Bounded here, it is a
422 that says the range, and the OpenAPI document states it.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

# Both databases keep ids and counts as signed 64-bit integers.
MAX_BIGINT = 2**63 - 1

RowId = Annotated[int, Interval(ge=1, le=MAX_BIGINT)]
"""The id of a row: a whole number from 1 to 2^63 - 1."""

Count = Annotated[int, Interval(ge=0, le=MAX_BIGINT)]
"""An offset or count: a whole number from 0 to 2^63 - 1."""
