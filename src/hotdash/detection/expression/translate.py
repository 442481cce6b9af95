"""Check a parsed rule against the whitelist and types of its entity, and build its SQLAlchemy expression.

One pass over sqlglot's tree: every node kind is either handled here or refused, so anything sqlglot can
parse that this module does not know (subqueries, casts, CASE, window functions, ...) is an error, never SQL.
Values written in the rule become bound parameters; names become columns of the entity's catalogue.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Float,
    String,
    and_,
    case,
    literal,
    not_,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlglot import exp

from hotdash.db.dialects import case_sensitive_like
from hotdash.db.types import UTCDateTime
from hotdash.detection.expression.errors import ExpressionError, error_at, suggest
from hotdash.detection.expression.fields import Entity, Field, Scope
from hotdash.detection.expression.functions import FUNCTIONS, Arg
from hotdash.detection.expression.registry import ENTITIES
from hotdash.detection.expression.tunables import NAME as TUNABLE
from hotdash.detection.expression.tunables import SLA
from hotdash.detection.expression.types import NUMERIC, ORDERED, FieldType, comparable

T = FieldType
MAX_NUMBER = 1e15
COMPARISONS: dict[type[exp.Expr], Callable[[Any, Any], Any]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}
ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
REFUSED_HINTS: dict[type[exp.Expr], str] = {
    exp.Subquery: "subqueries are not allowed",
    exp.Select: "queries are not allowed",
    exp.Star: "'*' is not allowed: name the fields",
    exp.Cast: "casts are not allowed: each field already has its type",
    exp.TryCast: "casts are not allowed: each field already has its type",
    exp.Case: "CASE is not supported: combine conditions with AND / OR",
    exp.Mod: "'%' is not supported",
    exp.NullSafeEQ: "'<=>' is not supported: use = or IS NULL",
    exp.Escape: "ESCAPE is not supported: in LIKE patterns a backslash escapes % and _",
    exp.DPipe: "'||' is not supported",
    exp.RegexpLike: "regular expressions are not supported: use LIKE or ILIKE",
    exp.Tuple: "lists of values are only allowed after IN",
}


class Refused(Exception):
    """Raised inside the walk to stop a branch at its first error; AND / OR gather their branches' errors."""

    def __init__(self, *errors: ExpressionError) -> None:
        super().__init__(errors[0].message)
        self.errors = list(errors)


@dataclass(frozen=True)
class Typed:
    """A checked sub-expression: its SQL, its type, and its value if it was written as a literal."""

    sql: ColumnElement[Any]
    type: T
    value: object = None
    is_literal: bool = False

    def arg(self) -> Arg:
        return Arg(self.sql, self.type, self.value, self.is_literal)


def span(node: exp.Expr) -> tuple[int, int] | None:
    """Return the first and last character offsets covered by a node, from its tokens' positions."""
    starts, ends = [], []
    for part in node.walk():
        meta = part.meta
        if "start" in meta:
            starts.append(int(meta["start"]))
            ends.append(int(meta["end"]))
    return (min(starts), max(ends)) if starts else None


class Translator:
    """Turns one parsed rule of one entity into SQL, collecting the fields it reads."""

    def __init__(self, text: str, entity: Entity, scope: Scope) -> None:
        self.text = text
        self.entity = entity
        self.scope = scope
        self.fields_used: list[str] = []
        self.tunables_used: list[str] = []
        self._where: tuple[int, int] = (0, max(len(text) - 1, 0))

    def _use(self, name: str, tunables: tuple[str, ...] = ()) -> None:
        if name not in self.fields_used:
            self.fields_used.append(name)
        self._read(tunables)

    def _read(self, tunables: tuple[str, ...]) -> None:
        for key in tunables:
            if key not in self.tunables_used:
                self.tunables_used.append(key)

    def fail(self, node: exp.Expr | None, code: str, message: str, **extra: Any) -> Refused:
        """Return the error to raise for `node` (or the closest enclosing node with a position)."""
        where = (span(node) if node is not None else None) or self._keyword(node) or self._where
        return Refused(error_at(self.text, code, message, where[0], where[1] - where[0] + 1, **extra))

    def _keyword(self, node: exp.Expr | None) -> tuple[int, int] | None:
        """Find NULL / TRUE / FALSE, which sqlglot leaves without a position, after the last placed node."""
        words = {exp.Null: r"null", exp.Boolean: r"true|false"}
        pattern = next((w for kind, w in words.items() if isinstance(node, kind)), None)
        if pattern is None:
            return None
        found = re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE).search(self.text, self._where[1] + 1)
        return (found.start(), found.end() - 1) if found else None

    def condition(self, node: exp.Expr) -> ColumnElement[bool]:
        """Translate the whole rule, which must be true or false."""
        typed = self.visit(node)
        if typed.type != T.bool:
            raise self.fail(
                node, "not_a_condition", f"the rule must be a condition (true or false), not a {typed.type}"
            )
        if not self.fields_used:
            raise self.fail(
                node, "no_field", "the rule reads no field, so it would select every record or none"
            )
        return typed.sql

    def visit(self, node: exp.Expr) -> Typed:
        where = span(node)
        if where is not None:
            self._where = where
        if isinstance(node, exp.Paren):
            return self.visit(node.this)
        if isinstance(node, exp.And | exp.Or):
            return self._logic(node)
        if isinstance(node, exp.Not):
            inner = self._boolean(node.this, "NOT")
            return Typed(not_(inner.sql), T.bool)
        if type(node) in COMPARISONS:
            return self._compare(node)
        if isinstance(node, exp.In):
            return self._in(node)
        if isinstance(node, exp.Between):
            return self._between(node)
        if isinstance(node, exp.Is):
            return self._is(node)
        if isinstance(node, exp.Like | exp.ILike):
            return self._like(node)
        if isinstance(node, ARITHMETIC):
            return self._arithmetic(node)
        if isinstance(node, exp.Neg):
            return self._negate(node)
        if isinstance(node, exp.Column):
            return self._column(node)
        if isinstance(node, exp.Literal):
            return self._literal(node)
        if isinstance(node, exp.Boolean):
            return Typed(literal(bool(node.this), Boolean), T.bool, bool(node.this), True)
        if isinstance(node, exp.Null):
            raise self.fail(node, "null", "NULL can only be tested with IS NULL or IS NOT NULL")
        if isinstance(node, exp.Alias):
            alias = node.args.get("alias")
            written = f"'{alias.name}'" if isinstance(alias, exp.Identifier) else "a name"
            message = f"{written} follows a complete condition: join conditions with AND or OR"
            raise self.fail(alias if isinstance(alias, exp.Expr) else node, "syntax", message)
        hint = next((h for kind, h in REFUSED_HINTS.items() if isinstance(node, kind)), None)
        if hint is None and isinstance(node, exp.Func):
            return self._function(node)
        raise self.fail(node, "not_allowed", hint or f"{self._describe(node)} is not allowed in a rule")

    def _describe(self, node: exp.Expr) -> str:
        """Name a refused node as the operator wrote it: the operator's text for binary operators."""
        if isinstance(node, exp.Binary):
            left, right = span(node.this), span(node.expression)
            if left and right and left[1] < right[0]:
                written = self.text[left[1] + 1 : right[0]].strip().strip("(").strip()
                if written:
                    return f"'{written}'"
        return node.key.upper().replace("_", " ")

    # Logic ---------------------------------------------------------------------------------------------
    def _boolean(self, node: exp.Expr, operator: str) -> Typed:
        typed = self.visit(node)
        if typed.type != T.bool:
            raise self.fail(node, "type", f"{operator} needs a condition, got a {typed.type}")
        return typed

    def _logic(self, node: exp.And | exp.Or) -> Typed:
        kind = type(node)
        parts, stack = [], [node]
        while stack:  # flatten a AND b AND c iteratively: long chains must not recurse deeply
            current = stack.pop()
            if type(current) is kind:
                stack.extend([current.expression, current.this])
            else:
                parts.append(current)
        word = "AND" if kind is exp.And else "OR"
        sql, errors = [], []
        for part in parts:
            # Each condition is checked even after one failed, so a rule with two typos shows both.
            try:
                sql.append(self._boolean(part, word).sql)
            except Refused as refused:
                errors.extend(refused.errors)
        if errors:
            raise Refused(*errors)
        return Typed(and_(*sql) if kind is exp.And else or_(*sql), T.bool)

    # Comparisons ---------------------------------------------------------------------------------------
    def _coerce(self, value: Typed, target: T, node: exp.Expr) -> Typed:
        """Read a quoted literal compared with a timestamp or a date as one, e.g. placed_at > '2026-11-01'."""
        if not (value.is_literal and value.type == T.text and target in (T.timestamp, T.date)):
            return value
        raw = str(value.value)
        try:
            if target == T.date:
                day = date.fromisoformat(raw)
                return Typed(literal(day, Date), T.date, day, True)
            moment = datetime.fromisoformat(raw)
        except ValueError:
            example = "2026-11-01" if target == T.date else "2026-11-01 or 2026-11-01T09:30:00+01:00"
            raise self.fail(
                node, "bad_literal", f"'{raw}' is not a {target}; write it as {example}"
            ) from None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return Typed(literal(moment, UTCDateTime()), T.timestamp, moment, True)

    def _pair(
        self,
        node: exp.Expr,
        left_node: exp.Expr,
        right_node: exp.Expr,
        left: Typed | None = None,
    ) -> tuple[Typed, Typed]:
        for side in (left_node, right_node):
            if isinstance(side, exp.Null):
                raise self.fail(side, "null", "comparing with NULL is never true: use IS NULL or IS NOT NULL")
        left = self.visit(left_node) if left is None else left
        right = self.visit(right_node)
        left, right = self._coerce(left, right.type, left_node), self._coerce(right, left.type, right_node)
        if not comparable(left.type, right.type):
            culprit = right_node if right.is_literal or not left.is_literal else left_node
            raise self.fail(
                culprit,
                "type",
                f"cannot compare {left.type} with {right.type}",
                name=self._name_of(culprit),
            )
        return left, right

    @staticmethod
    def _name_of(node: exp.Expr) -> str | None:
        return node.sql() if isinstance(node, exp.Literal) else None

    def _compare(self, node: exp.Expr) -> Typed:
        left, right = self._pair(node, node.this, node.expression)
        ordered = not isinstance(node, exp.EQ | exp.NEQ)
        if ordered and left.type not in ORDERED:
            raise self.fail(
                node, "type", f"{left.type} values can only be compared with =, <>, IN or LIKE, not ordered"
            )
        return Typed(COMPARISONS[type(node)](left.sql, right.sql), T.bool)

    def _in(self, node: exp.In) -> Typed:
        extras = [k for k in ("query", "unnest", "field") if node.args.get(k)]
        if extras or not node.expressions:
            raise self.fail(node, "not_allowed", "IN needs a list of values, e.g. status IN ('open', 'new')")
        items = []
        left = lhs = self.visit(node.this)
        for item in node.expressions:
            if isinstance(item, exp.Null):
                raise self.fail(item, "null", "NULL in an IN list never matches: use IS NULL")
            lhs, other = self._pair(node, node.this, item, left)
            items.append(other.sql)
        return Typed(lhs.sql.in_(items), T.bool)

    def _between(self, node: exp.Between) -> Typed:
        if node.args.get("symmetric"):
            raise self.fail(node, "not_allowed", "BETWEEN SYMMETRIC is not supported")
        value, low = self._pair(node, node.this, node.args["low"])
        _, high = self._pair(node, node.this, node.args["high"], value)
        if value.type not in ORDERED:
            raise self.fail(
                node, "type", f"BETWEEN needs numbers, money, timestamps or dates, not {value.type}"
            )
        return Typed(and_(value.sql >= low.sql, value.sql <= high.sql), T.bool)

    def _is(self, node: exp.Is) -> Typed:
        if not isinstance(node.expression, exp.Null):
            raise self.fail(node, "not_allowed", "only IS NULL and IS NOT NULL are supported; use = true")
        return Typed(self.visit(node.this).sql.is_(None), T.bool)

    def _like(self, node: exp.Like | exp.ILike) -> Typed:
        word = "LIKE" if isinstance(node, exp.Like) else "ILIKE"
        value = self.visit(node.this)
        if value.type != T.text:
            raise self.fail(node.this, "type", f"{word} needs text, got {value.type}")
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise self.fail(pattern, "not_allowed", f"{word} needs a pattern in quotes, e.g. '%damaged%'")
        text = str(pattern.this)
        escaped = False
        for char in text:
            if escaped and char not in "%_\\":
                raise self.fail(
                    pattern, "bad_literal", "in a LIKE pattern a backslash may only precede %, _ or \\"
                )
            escaped = not escaped and char == "\\"
        if escaped:
            raise self.fail(pattern, "bad_literal", "a LIKE pattern cannot end with a lone backslash")
        if word == "LIKE":
            return Typed(case_sensitive_like(value.sql, text), T.bool)
        return Typed(value.sql.ilike(literal(text, String), escape="\\"), T.bool)

    # Arithmetic ----------------------------------------------------------------------------------------
    def _arithmetic(self, node: exp.Expr) -> Typed:
        left, right = self.visit(node.this), self.visit(node.expression)
        symbols: dict[type[exp.Expr], str] = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/"}
        symbol = symbols[type(node)]
        for side, typed in ((node.this, left), (node.expression, right)):
            if typed.type not in NUMERIC:
                raise self.fail(side, "type", f"'{symbol}' needs numbers or money, got {typed.type}")
        money = T.money in (left.type, right.type)
        if isinstance(node, exp.Div):
            kind = T.money if left.type == T.money and right.type == T.number else T.number
            divisor = case((right.sql == literal(0.0, Float), null()), else_=right.sql)
            return Typed(left.sql / divisor, kind)
        sql: dict[type[exp.Expr], ColumnElement[Any]] = {
            exp.Add: left.sql + right.sql,
            exp.Sub: left.sql - right.sql,
            exp.Mul: left.sql * right.sql,
        }
        return Typed(sql[type(node)], T.money if money else T.number)

    def _negate(self, node: exp.Neg) -> Typed:
        inner = self.visit(node.this)
        if inner.type not in NUMERIC:
            raise self.fail(node, "type", f"'-' needs a number or money, got {inner.type}")
        if inner.is_literal and isinstance(inner.value, float):
            return Typed(literal(-inner.value, Float), inner.type, -inner.value, True)
        return Typed(-inner.sql, inner.type)

    # Names and values ----------------------------------------------------------------------------------
    def _literal(self, node: exp.Literal) -> Typed:
        if node.is_string:
            text = str(node.this)
            return Typed(literal(text, String), T.text, text, True)
        try:
            number = float(str(node.this))
        except ValueError:
            raise self.fail(node, "bad_literal", f"'{node.this}' is not a number") from None
        if not math.isfinite(number) or abs(number) > MAX_NUMBER:
            raise self.fail(node, "bad_literal", f"numbers in rules are limited to +/-{MAX_NUMBER:.0e}")
        return Typed(literal(number, Float), T.number, number, True)

    def _column(self, node: exp.Column) -> Typed:
        if node.args.get("db") or node.args.get("catalog"):
            raise self.fail(
                node, "too_far", "only one level of related record is allowed, e.g. customer.is_vip"
            )
        name = node.name.lower()
        if isinstance(node.this, exp.Star):
            raise self.fail(node, "not_allowed", "'*' is not allowed: name the fields")
        relation_name = node.table.lower() if node.table else None
        if relation_name is None and name in self.entity.relations and name not in self.entity.fields:
            example = next(iter(ENTITIES[self.entity.relations[name].entity].fields))
            message = f"'{name}' is a related record: use one of its fields, e.g. {name}.{example}"
            raise self.fail(node, "unknown_field", message, name=name)
        if relation_name is None:
            field = self._field(self.entity, name, node, None)
            self._use(name, field.tunables)
            return Typed(field.build(self.scope), field.type)
        relation = self.entity.relations.get(relation_name)
        if relation is None:
            known = [*self.entity.relations, self.entity.name]
            own = relation_name in (self.entity.name, self.entity.name.rstrip("s"))
            if own and name in self.entity.fields:
                message = f"fields of {self.entity.name} are written without a prefix: {name}"
                raise self.fail(node, "unknown_relation", message, name=relation_name, suggestion=name)
            raise self.fail(
                node,
                "unknown_relation",
                f"{self.entity.name} have no related record '{relation_name}'"
                + (f" (they have: {', '.join(self.entity.relations)})" if self.entity.relations else ""),
                name=relation_name,
                suggestion=suggest(relation_name, known[:-1]),
            )
        related = ENTITIES[relation.entity]
        field = self._field(related, name, node, relation_name)
        self._use(f"{relation_name}.{name}", field.tunables)
        alias = aliased(related.model)
        s = self.scope
        inner = Scope(alias, s.now, s.today, s.since_28d, s.tunables, s.store_run)
        key = getattr(self.scope.table, relation.foreign_key)
        value = select(field.build(inner)).where(alias.id == key).scalar_subquery()
        return Typed(value, field.type)

    def _field(self, entity: Entity, name: str, node: exp.Column, prefix: str | None) -> Field:
        field = entity.fields.get(name)
        if field is not None:
            return field
        shown = f"{prefix}.{name}" if prefix else name
        candidates = list(entity.fields)
        if prefix is None:
            candidates += [
                f"{r}.{f}" for r, rel in entity.relations.items() for f in ENTITIES[rel.entity].fields
            ]
        guess = suggest(name, list(entity.fields)) or (suggest(name, candidates) if prefix is None else None)
        where = f"{prefix} ({entity.name})" if prefix else entity.name
        if name in FUNCTIONS:
            message = f"'{name}' is a function: call it with parentheses, e.g. {FUNCTIONS[name].signature}"
            raise self.fail(node, "unknown_field", message, name=shown)
        guess = f"{prefix}.{guess}" if prefix and guess else guess
        raise self.fail(
            node, "unknown_field", f"unknown field '{shown}' for {where}", name=shown, suggestion=guess
        )

    def _function(self, node: exp.Func) -> Typed:
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.fail(
                node,
                "unknown_function",
                f"unknown function '{name}'",
                name=name,
                suggestion=suggest(name, FUNCTIONS),
            )
        if isinstance(node, exp.Anonymous):
            raw = list(node.expressions)
        else:
            raw = []
            for key in node.arg_types:
                value = node.args.get(key)
                if isinstance(value, list):
                    raw.extend(value)
                elif isinstance(value, exp.Expr):
                    raw.append(value)
                elif value not in (None, False):
                    raise self.fail(node, "not_allowed", f"{name}() is used in a form that is not supported")
        args = [self.visit(a).arg() for a in raw]
        result = function.check(args)
        if not isinstance(result, FieldType):
            if result.startswith("unknown tunable"):
                raise self.fail(node, "unknown_tunable", result, name=name)
            raise self.fail(node, "type", f"{function.signature} {result}", name=name)
        if function.name in (TUNABLE, SLA) and isinstance(args[-1].value, str):
            self._read((args[-1].value,))
        return Typed(function.build(args, self.scope), result)
