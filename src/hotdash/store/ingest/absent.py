"""ABSENT: a cell whose record leaves the field out ("unknown: keep what is stored", default on insert)."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from itertools import repeat
from typing import Any


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"  # unpickled as this module's ABSENT, so `is ABSENT` holds in another process


ABSENT: Any = _Absent()


def holds(values: Iterable[Any], marker: Any) -> bool:
    """Whether `marker` is one of `values`, by identity only.

    `marker in values` also asks each value whether it equals the marker, and a Decimal answers that
    through the numbers ABCs: ten times slower, on columns of 50,000 amounts.
    """
    return any(map(operator.is_, values, repeat(marker)))
