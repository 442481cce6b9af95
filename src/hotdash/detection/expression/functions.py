"""The functions a rule may call: what each accepts, returns and means, and its SQL.

Every function is portable SQL (or a helper from `hotdash.db.dialects`) and keeps SQL's NULL rule: a NULL
argument gives a NULL result, except in coalesce.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, String, case, func, literal

from hotdash.db.dialects import floor_non_negative
from hotdash.detection.expression import tunables
from hotdash.detection.expression.fields import Scope, hours_between, minutes_between
from hotdash.detection.expression.types import NUMERIC, FieldType

T = FieldType
MAX_ROUND_DIGITS = 6
TAG_SPACES = 3  # spaces around a comma that contains_tag ignores


@dataclass(frozen=True)
class Arg:
    """What a function receives: its SQL, its type, and its value when it was written as a literal."""

    sql: ColumnElement[Any]
    type: T
    value: object = None
    is_literal: bool = False


# Returns the result type, or a message saying what is wrong with the arguments.
Checker = Callable[[Sequence[Arg]], T | str]
Builder = Callable[[Sequence[Arg], Scope], ColumnElement[Any]]


@dataclass(frozen=True)
class Function:
    """One callable name of the rule language."""

    name: str
    signature: str
    result: str
    help: str
    check: Checker
    build: Builder


def _one(kinds: frozenset[T], result: T | None, what: str) -> Checker:
    def check(args: Sequence[Arg]) -> T | str:
        if len(args) != 1:
            return f"takes 1 argument ({what}), got {len(args)}"
        if args[0].type not in kinds:
            return f"needs {what}, got {args[0].type}"
        return result or args[0].type

    return check


def _coalesce_check(args: Sequence[Arg]) -> T | str:
    if len(args) < 2:
        return "takes at least 2 arguments"
    first = args[0].type
    family = NUMERIC if first in NUMERIC else frozenset({first})
    for arg in args[1:]:
        if arg.type not in family:
            return f"needs arguments of one type, got {first} and {arg.type}"
    return T.money if any(a.type == T.money for a in args) else first


def _round_check(args: Sequence[Arg]) -> T | str:
    if not 1 <= len(args) <= 2:
        return f"takes 1 or 2 arguments, got {len(args)}"
    if args[0].type not in NUMERIC:
        return f"needs a number, got {args[0].type}"
    if len(args) == 2:
        digits = args[1].value
        whole = isinstance(digits, float) and digits.is_integer() and 0 <= digits <= MAX_ROUND_DIGITS
        if not (args[1].is_literal and whole):
            return f"needs a whole number of digits from 0 to {MAX_ROUND_DIGITS} written as a literal"
    return args[0].type


def _round(args: Sequence[Arg], scope: Scope) -> ColumnElement[Any]:
    # Half away from zero, in double precision, the same on both databases (their own round() differ).
    digits = int(args[1].value) if len(args) == 2 else 0  # type: ignore[call-overload]
    scale = literal(float(10**digits), Float)
    x = args[0].sql
    magnitude = floor_non_negative(func.abs(x) * scale + literal(0.5, Float)) / scale
    return case((x < literal(0.0, Float), -magnitude), else_=magnitude)


def _tag_check(args: Sequence[Arg]) -> T | str:
    if len(args) != 2:
        return f"takes 2 arguments (tags, 'tag'), got {len(args)}"
    if args[0].type != T.text:
        return f"needs the tags text first, got {args[0].type}"
    tag = args[1].value
    if not (args[1].is_literal and isinstance(tag, str)):
        return "needs the tag written in quotes, e.g. contains_tag(tags, 'vip')"
    if not tag.strip(" ") or "," in tag:
        return "needs one non-empty tag without commas"
    return T.bool


def like_escape(text: str) -> str:
    """Escape LIKE's wildcards (and the escape character) so `text` matches only itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_tag(args: Sequence[Arg], scope: Scope) -> ColumnElement[Any]:
    # ',' + tags + ',' with the spaces around commas removed, then look for ',tag,'; lower() on both sides
    # makes the test ignore (ASCII) case, as shops treat "VIP" and "vip" as one tag.
    listed: ColumnElement[Any] = literal(",", String) + func.lower(args[0].sql) + literal(",", String)
    for _ in range(TAG_SPACES):
        listed = func.replace(func.replace(listed, ", ", ","), " ,", ",")
    wanted = f"%,{like_escape(str(args[1].value).strip(' ').lower())},%"
    return listed.like(literal(wanted, String), escape="\\")


def _since(unit_seconds: float) -> Builder:
    def build(args: Sequence[Arg], scope: Scope) -> ColumnElement[Any]:
        if unit_seconds == 3600:
            return hours_between(scope.now, args[0].sql)
        if unit_seconds == 60:
            return minutes_between(scope.now, args[0].sql)
        return hours_between(scope.now, args[0].sql) / literal(24.0, Float)

    return build


def _plain(name: str) -> Builder:
    def build(args: Sequence[Arg], scope: Scope) -> ColumnElement[Any]:
        sql: ColumnElement[Any] = getattr(func, name)(*(a.sql for a in args))
        return sql

    return build


TEXT = frozenset({T.text})
MOMENT = frozenset({T.timestamp})
FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "lower",
            "lower(text)",
            "text",
            "The text in lower case.",
            _one(TEXT, None, "text"),
            _plain("lower"),
        ),
        Function(
            "upper",
            "upper(text)",
            "text",
            "The text in upper case.",
            _one(TEXT, None, "text"),
            _plain("upper"),
        ),
        Function(
            "trim",
            "trim(text)",
            "text",
            "The text without leading and trailing spaces.",
            _one(TEXT, None, "text"),
            _plain("trim"),
        ),
        Function(
            "length",
            "length(text)",
            "number",
            "Number of characters.",
            _one(TEXT, T.number, "text"),
            lambda a, s: func.length(a[0].sql) * literal(1.0, Float),
        ),
        Function(
            "abs",
            "abs(number)",
            "number",
            "The number without its sign.",
            _one(NUMERIC, None, "a number"),
            _plain("abs"),
        ),
        Function(
            "round",
            "round(number[, digits])",
            "number",
            f"Rounded half away from zero to `digits` decimals (0 to {MAX_ROUND_DIGITS}, default 0).",
            _round_check,
            _round,
        ),
        Function(
            "coalesce",
            "coalesce(a, b, ...)",
            "type of a",
            "The first argument that is not NULL; all arguments of one type.",
            _coalesce_check,
            _plain("coalesce"),
        ),
        Function(
            "contains_tag",
            "contains_tag(tags, 'tag')",
            "bool",
            "True when the comma-separated `tags` hold `tag`, ignoring ASCII case and up to "
            f"{TAG_SPACES} spaces around each comma; NULL when tags is NULL.",
            _tag_check,
            _contains_tag,
        ),
        Function(
            "hours_since",
            "hours_since(timestamp)",
            "number",
            "Hours from the timestamp to now (negative if it is in the future).",
            _one(MOMENT, T.number, "a timestamp"),
            _since(3600),
        ),
        Function(
            "minutes_since",
            "minutes_since(timestamp)",
            "number",
            "Minutes from the timestamp to now.",
            _one(MOMENT, T.number, "a timestamp"),
            _since(60),
        ),
        Function(
            "days_since",
            "days_since(timestamp or date)",
            "number",
            "Days (with fractions) from the timestamp, or from a date's UTC midnight, to now.",
            _one(frozenset({T.timestamp, T.date}), T.number, "a timestamp or a date"),
            _since(86400),
        ),
        Function(
            "hours_until",
            "hours_until(timestamp)",
            "number",
            "Hours from now to the timestamp (negative once it has passed), e.g. hours_until(ship_by) < 4.",
            _one(MOMENT, T.number, "a timestamp"),
            lambda a, s: hours_between(a[0].sql, s.now),
        ),
        Function(
            tunables.NAME,
            "tunable('key')",
            "number or money",
            "The value in force of a tunable (the thresholds page lists them), e.g. "
            "total > tunable('cx.high_value_above'). Read when the rule runs, so a manager's change applies "
            "at the next run; an unknown name is refused. Money for a money tunable, else a number.",
            tunables.check,
            tunables.build,
        ),
        Function(
            tunables.SLA,
            "sla_breached(timestamp, 'key' or minutes)",
            "bool",
            "True when more business minutes than the SLA have passed since the timestamp, in the store's "
            "business hours, less its holidays (the cutoff the SLA tiles use). The SLA is a tunable in "
            "minutes or hours, e.g. sla_breached(created_at, 'cx.urgent_first_response_minutes'), read when "
            "the rule runs, or a number of minutes. Known only in a rule run on a store.",
            tunables.sla_check,
            tunables.sla_build,
        ),
    )
}
