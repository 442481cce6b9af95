"""The value types of the rule language."""

from __future__ import annotations

from enum import StrEnum


class FieldType(StrEnum):
    """What a field or sub-expression holds; decides which operators and functions accept it."""

    number = "number"
    money = "money"
    text = "text"
    bool = "bool"
    timestamp = "timestamp"
    date = "date"


NUMERIC = frozenset({FieldType.number, FieldType.money})
ORDERED = NUMERIC | {FieldType.timestamp, FieldType.date}


def comparable(left: FieldType, right: FieldType) -> bool:
    """Tell whether values of two types can be compared with = and <>."""
    return left == right or (left in NUMERIC and right in NUMERIC)
