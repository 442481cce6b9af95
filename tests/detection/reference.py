"""An independent evaluator of rules: walks sqlglot's tree in pure Python with SQL's three-valued logic.

It shares nothing with the compiler but the parser: given a record's field values (as the test computes
them from its own data) it says whether the rule selects the record. True selects; False and NULL (None)
do not. Numbers are Python floats, as the language defines arithmetic in double precision.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlglot
from sqlglot import exp

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Row = Mapping[str, Any]


def epoch_seconds(value: datetime | date) -> int:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), UTC)
    return (value - EPOCH) // timedelta(seconds=1)


def hours_between(later: Any, earlier: Any) -> float | None:
    if later is None or earlier is None:
        return None
    return (epoch_seconds(later) - epoch_seconds(earlier)) / 3600.0


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _like(value: str | None, pattern: str, fold: bool) -> bool | None:
    if value is None:
        return None
    regex, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            regex.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        regex.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    if fold:
        value, joined = value.lower(), "".join(regex).lower()
    else:
        joined = "".join(regex)
    return re.fullmatch(joined, value, re.DOTALL) is not None


def _tags(tags: str | None, tag: str) -> bool | None:
    if tags is None:
        return None
    wanted = tag.strip(" ").lower()
    return any(t.strip(" ").lower() == wanted for t in tags.split(","))


def _round(x: float | None, digits: float = 0.0) -> float | None:
    if x is None:
        return None
    scale = float(10 ** int(digits))
    magnitude = float(math.floor(abs(x) * scale + 0.5)) / scale
    return -magnitude if x < 0 else magnitude


class Reference:
    """Evaluates one rule text against rows of field values at a fixed `now`."""

    def __init__(self, expression: str, now: datetime) -> None:
        self.tree = sqlglot.parse_one(expression)
        self.now = now

    def selects(self, row: Row) -> bool:
        return self.eval(self.tree, row) is True

    def _fn(self, name: str, args: list[Any]) -> Any:
        table: dict[str, Callable[..., Any]] = {
            "lower": lambda s: None if s is None else s.lower(),
            "upper": lambda s: None if s is None else s.upper(),
            "trim": lambda s: None if s is None else s.strip(" "),
            "length": lambda s: None if s is None else float(len(s)),
            "abs": lambda x: None if x is None else abs(x),
            "round": _round,
            "coalesce": lambda *xs: next((x for x in xs if x is not None), None),
            "contains_tag": _tags,
            "hours_since": lambda ts: hours_between(self.now, ts),
            "minutes_since": lambda ts: (
                None if ts is None else (epoch_seconds(self.now) - epoch_seconds(ts)) / 60.0
            ),
            "days_since": lambda ts: None if ts is None else hours_between(self.now, ts) / 24.0,  # type: ignore[operator]
            "hours_until": lambda ts: hours_between(ts, self.now),
        }
        return table[name](*args)

    def _coerce(self, a: Any, b: Any) -> tuple[Any, Any]:
        # A quoted literal compared with a timestamp reads as one (UTC unless it says otherwise).
        def as_time(text: str) -> datetime:
            moment = datetime.fromisoformat(text)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

        if isinstance(a, datetime) and isinstance(b, str):
            return a, as_time(b)
        if isinstance(b, datetime) and isinstance(a, str):
            return as_time(a), b
        return a, b

    def eval(self, node: exp.Expr, row: Row) -> Any:
        e = self.eval
        if isinstance(node, exp.Paren):
            return e(node.this, row)
        if isinstance(node, exp.And):
            return _and([e(node.this, row), e(node.expression, row)])
        if isinstance(node, exp.Or):
            return _or([e(node.this, row), e(node.expression, row)])
        if isinstance(node, exp.Not):
            inner = e(node.this, row)
            return None if inner is None else not inner
        compare = {
            exp.EQ: lambda a, b: a == b,
            exp.NEQ: lambda a, b: a != b,
            exp.GT: lambda a, b: a > b,
            exp.GTE: lambda a, b: a >= b,
            exp.LT: lambda a, b: a < b,
            exp.LTE: lambda a, b: a <= b,
        }
        if type(node) in compare:
            a, b = self._coerce(e(node.this, row), e(node.expression, row))
            return None if a is None or b is None else compare[type(node)](a, b)
        if isinstance(node, exp.In):
            x = e(node.this, row)
            items = [self._coerce(x, e(i, row))[1] for i in node.expressions]
            if x is None:
                return None
            if any(i is not None and i == x for i in items):
                return True
            return None if any(i is None for i in items) else False
        if isinstance(node, exp.Between):
            x = e(node.this, row)
            low, high = e(node.args["low"], row), e(node.args["high"], row)
            x, low = self._coerce(x, low)
            x, high = self._coerce(x, high)
            return _and(
                [
                    None if x is None or low is None else x >= low,
                    None if x is None or high is None else x <= high,
                ]
            )
        if isinstance(node, exp.Is):
            return e(node.this, row) is None
        if isinstance(node, exp.Like | exp.ILike):
            return _like(e(node.this, row), node.expression.this, isinstance(node, exp.ILike))
        if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div):
            a, b = e(node.this, row), e(node.expression, row)
            if a is None or b is None:
                return None
            if isinstance(node, exp.Div):
                return None if b == 0 else a / b
            return a + b if isinstance(node, exp.Add) else a - b if isinstance(node, exp.Sub) else a * b
        if isinstance(node, exp.Neg):
            x = e(node.this, row)
            return None if x is None else -x
        if isinstance(node, exp.Column):
            key = f"{node.table.lower()}.{node.name.lower()}" if node.table else node.name.lower()
            return row[key]
        if isinstance(node, exp.Literal):
            return str(node.this) if node.is_string else float(str(node.this))
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        if isinstance(node, exp.Anonymous):
            return self._fn(node.name.lower(), [e(a, row) for a in node.expressions])
        if isinstance(node, exp.Func):
            args = []
            for key in node.arg_types:
                value = node.args.get(key)
                if isinstance(value, list):
                    args.extend(e(v, row) for v in value)
                elif isinstance(value, exp.Expr):
                    args.append(e(value, row))
            return self._fn(node.sql_name().lower(), args)
        raise AssertionError(f"the reference does not know {node.key}")
