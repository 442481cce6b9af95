"""`tunable('key')` in the rule language: a number from the tunables, bound when the rule runs.

The key must be written as a quoted literal and name a tunable of the registry; the value is a bound
parameter read from the rule's `LiveTunables` at each execution, never text in the SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, bindparam

from hotdash.detection.expression.fields import Scope
from hotdash.detection.expression.types import FieldType
from hotdash.kernel.tunables import BY_KEY, unknown_message

NAME = "tunable"


def check(args: Sequence[Any]) -> FieldType | str:
    """Return the type of `tunable('key')`, or what is wrong with its argument."""
    if len(args) != 1:
        return f"takes 1 argument (a tunable's name in quotes), got {len(args)}"
    key = args[0].value
    if not (args[0].is_literal and isinstance(key, str)):
        return "needs the tunable's name in quotes, e.g. tunable('cx.high_value_above')"
    spec = BY_KEY.get(key)
    if spec is None:
        return unknown_message(key)
    return FieldType.money if spec.unit == "money" else FieldType.number


def build(args: Sequence[Any], scope: Scope) -> ColumnElement[Any]:
    """Return the tunable's value as a parameter bound at execution."""
    return tunable_bind(scope.tunables, str(args[0].value))


def tunable_bind(live: Any, key: str) -> ColumnElement[Any]:
    """Return a parameter that reads `key` from `live` when the statement runs."""
    param: ColumnElement[Any] = bindparam(
        "tunable", callable_=lambda: live.get(key), type_=Float(), unique=True
    )
    return param
