"""The rule language's public API: validate a rule, or compile it to a SQLAlchemy condition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, select
from sqlalchemy.orm import Session
from sqlglot import exp, parse
from sqlglot.errors import ParseError

from hotdash.clock import Clock, SystemClock
from hotdash.db.types import UTCDateTime
from hotdash.detection.expression.entities_skus import DEMAND_DAYS
from hotdash.detection.expression.errors import ExpressionError, RuleError, error_at, suggest
from hotdash.detection.expression.fields import Entity, Scope, StoreRun
from hotdash.detection.expression.lexer import tokenize
from hotdash.detection.expression.registry import ENTITIES
from hotdash.detection.expression.translate import Refused, Translator
from hotdash.kernel.tunables import LiveTunables
from hotdash.store.models import Store

MAX_NODES = 400
MAX_DEPTH = 120


@dataclass(frozen=True)
class CompiledRule:
    """A checked rule: `where` is a condition on `entity`'s table, with every value a bound parameter.

    "now" is the bound parameter `now`, read from the clock each time the statement runs (so a rule compiled
    once and run every five minutes sees the time of each run); `today` and `since_28d` follow from it.
    """

    entity: str
    expression: str
    where: ColumnElement[bool]
    fields_used: tuple[str, ...]
    model: Any = field(repr=False)
    _entity: Entity = field(repr=False)
    tunables_used: tuple[str, ...] = ()
    _scope: Scope | None = field(default=None, repr=False)
    _clock: Clock | None = field(default=None, repr=False)

    def select(self, *, store_id: int | None = None) -> Select[Any]:
        """Return SELECT id of the matching records (of one store if given), in id order."""
        condition = self.where
        if store_id is not None and self._entity.in_store is not None:
            condition = and_(self._entity.in_store(self.model, store_id), condition)
        return select(self.model.id).where(condition).order_by(self.model.id)

    def select_ids(self, session: Session, *, store_id: int | None = None) -> list[int]:
        """Return the ids of the records the rule selects now (in one store, which per-store fields such as
        `skus.stockout_priority` need)."""
        if store_id is not None and self._scope is not None and self._clock is not None:
            self._scope.store_run.begin(
                session=session,
                store=session.get(Store, store_id),
                now=self._clock.now(),
                values=self._scope.tunables.values,
            )
        return [int(i) for i in session.scalars(self.select(store_id=store_id))]


def _parse(text: str, entity: Entity) -> tuple[exp.Expr | None, list[ExpressionError]]:
    tokens, errors = tokenize(text, [name for name, _, _ in fields_of(entity.name)])
    if errors:
        return None, errors
    if not tokens:
        # Text but no tokens: it was all comment.
        starts = [i for i in (text.find("--"), text.find("/*")) if i >= 0]
        return None, [error_at(text, "comment", "comments are not allowed in a rule", min(starts, default=0))]
    try:
        trees = parse(text)
    except ParseError as problem:
        detail = problem.errors[0] if problem.errors else {}
        line, col = int(detail.get("line") or 1), int(detail.get("col") or 1)
        offset = _offset(text, line, col)
        description = str(detail.get("description") or "cannot read the rule")
        return None, [error_at(text, "syntax", f"syntax error: {_plain(description)}", offset)]
    except (RecursionError, ValueError) as problem:
        return None, [error_at(text, "syntax", f"cannot read the rule: {type(problem).__name__}", 0)]
    statements = [t for t in trees if t is not None]
    if len(statements) != 1:
        return None, [error_at(text, "statement", "a rule is exactly one condition", 0)]
    tree = statements[0]
    nodes, depth = _size(tree)
    if nodes > MAX_NODES or depth > MAX_DEPTH:
        message = f"the rule is too complex ({nodes} parts, {depth} deep; limits {MAX_NODES} and {MAX_DEPTH})"
        return None, [error_at(text, "too_complex", message, 0, len(text))]
    return tree, []


def _plain(description: str) -> str:
    # sqlglot names its own classes ("for <class 'sqlglot...And'>"); operators need the SQL word.
    if "missing for" in description and "." in description:
        kind = description.rsplit(".", 1)[-1].strip("'>")
        return f"'{kind.upper()}' is missing a part"
    return description


def _offset(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    before = sum(len(x) + 1 for x in lines[: max(line - 1, 0)])
    # sqlglot reports the column of the end of the offending token; point at it, inside the text.
    return max(0, min(before + col - 1, len(text) - 1))


def _size(tree: exp.Expr) -> tuple[int, int]:
    """Return the number of nodes and the depth of a tree, without recursion."""
    nodes, deepest, stack = 0, 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return nodes, deepest


def _entity(entity: str, text: str) -> Entity | ExpressionError:
    found = ENTITIES.get(entity)
    if found is not None:
        return found
    return error_at(
        text,
        "unknown_entity",
        f"unknown entity '{entity}'",
        0,
        name=entity,
        suggestion=suggest(entity, ENTITIES),
    )


def _clock_params(clock: Clock) -> tuple[Any, Any, Any]:
    now = bindparam("now", callable_=clock.now, type_=UTCDateTime())

    def today() -> date:
        return clock.now().date()

    def since() -> date:
        return clock.now().date() - timedelta(days=DEMAND_DAYS)

    return (
        now,
        bindparam("today", callable_=today, type_=Date()),
        bindparam("since_28d", callable_=since, type_=Date()),
    )


def _translate(
    entity: str,
    expression: str,
    clock: Clock,
    tunables: LiveTunables | None = None,
    store_run: StoreRun | None = None,
) -> CompiledRule | list[ExpressionError]:
    found = _entity(entity, expression)
    if isinstance(found, ExpressionError):
        return [found]
    tree, errors = _parse(expression, found)
    if tree is None:
        return errors
    now, today, since = _clock_params(clock)
    scope = Scope(found.model, now, today, since, tunables or LiveTunables(), store_run or StoreRun())
    translator = Translator(expression, found, scope)
    try:
        where = translator.condition(tree)
    except Refused as refused:
        return sorted(refused.errors, key=lambda e: e.offset)
    used = tuple(translator.fields_used)
    read = tuple(translator.tunables_used)
    return CompiledRule(entity, expression, where, used, found.model, found, read, scope, clock)


def validate(entity: str, expression: str) -> list[ExpressionError]:
    """Return what is wrong with a rule (empty when it is valid); never touches a database."""
    result = _translate(entity, expression, SystemClock())
    return result if isinstance(result, list) else []


def compile_rule(
    entity: str,
    expression: str,
    *,
    clock: Clock | None = None,
    tunables: LiveTunables | None = None,
    store_run: StoreRun | None = None,
) -> CompiledRule:
    """Check a rule and compile it to a SQLAlchemy condition; raise RuleError if it is not valid.

    `clock` gives "now" and `tunables` the values of `tunable('key')` each time the compiled statement runs
    (the system clock and the registry's defaults unless given); `store_run` the store it runs on, for the
    fields worked out per store (`skus.seller_tier`, `skus.stockout_priority`).
    """
    result = _translate(entity, expression, clock or SystemClock(), tunables, store_run)
    if isinstance(result, list):
        raise RuleError(result)
    return result


def fields_of(entity: str) -> Sequence[tuple[str, str, str]]:
    """Return (name, type, help) of every field a rule on `entity` can use, related fields included."""
    found = ENTITIES[entity]
    rows = [(f.name, str(f.type), f.help) for f in found.fields.values()]
    for relation in found.relations.values():
        related = ENTITIES[relation.entity]
        rows += [(f"{relation.name}.{f.name}", str(f.type), f.help) for f in related.fields.values()]
    return rows


__all__ = ["CompiledRule", "ExpressionError", "RuleError", "compile_rule", "fields_of", "validate"]
