"""`tunable('key')` and `sla_breached(timestamp, 'key')` in the rule language: the tunables, bound when the
rule runs.

The key must be written as a quoted literal and name a tunable of the registry; the value (or the SLA cutoff
worked out from it) is a bound parameter read from the rule's `LiveTunables` (and `StoreRun`) at each
execution, never text in the SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, bindparam

from hotdash.db.types import UTCDateTime
from hotdash.detection.expression.fields import Scope
from hotdash.detection.expression.types import FieldType
from hotdash.kernel.tunables import BY_KEY, LiveTunables, unknown_message

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


SLA = "sla_breached"
SLA_UNITS = {"minutes": 1.0, "hours": 60.0}


def sla_check(args: Sequence[Any]) -> FieldType | str:
    """Return bool for `sla_breached(timestamp, 'key' or minutes)`, or what is wrong with its arguments."""
    if len(args) != 2:
        return f"takes 2 arguments (a timestamp and an SLA), got {len(args)}"
    if args[0].type != FieldType.timestamp:
        return f"needs the timestamp the SLA clock starts at first, got {args[0].type}"
    limit = args[1].value
    if args[1].is_literal and isinstance(limit, float) and limit > 0:
        return FieldType.bool
    if not (args[1].is_literal and isinstance(limit, str)):
        return "needs the SLA as a tunable's name in quotes or a number of minutes written as a literal"
    spec = BY_KEY.get(limit)
    if spec is None:
        return unknown_message(limit)
    if spec.unit not in SLA_UNITS:
        return f"needs a tunable in minutes or hours; {limit!r} is in {spec.unit}"
    return FieldType.bool


def sla_build(args: Sequence[Any], scope: Scope) -> ColumnElement[Any]:
    """Return `timestamp < cutoff`, the cutoff worked out from the store's calendar when the rule runs."""
    limit, live, run = args[1].value, scope.tunables, scope.store_run

    def minutes() -> float:
        if isinstance(limit, str):
            return live.get(limit) * SLA_UNITS[BY_KEY[limit].unit]
        return float(limit)

    cutoff = bindparam(
        "sla_cutoff", callable_=lambda: run.sla_cutoff(minutes()), type_=UTCDateTime(), unique=True
    )
    condition: ColumnElement[Any] = args[0].sql < cutoff
    return condition


def tunable_bind(live: LiveTunables, key: str) -> ColumnElement[Any]:
    """Return a parameter that reads `key` from `live` when the statement runs."""
    param: ColumnElement[Any] = bindparam(
        "tunable", callable_=lambda: live.get(key), type_=Float(), unique=True
    )
    return param
