"""Index-friendly conditions implied by a rule, added to its query so the database need not scan everything.

`delay_hours > 24` is computed per row (a CASE over statuses and promise times), so no index can answer it;
but every order it selects is open with `ship_by` more than 24 hours ago, or shipped with `deliver_by` more
than 24 hours ago, which the promise indexes answer at once. For each top-level AND term of a rule that this
module recognises, it returns such a *necessary* condition. Adding it never changes what the rule selects
(tests/detection/engine/test_hints.py checks that), only how fast.

Cutoffs are bound parameters computed from the clock at each execution, one second looser than the rule
(the language counts whole seconds), so a record at the edge is never pruned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlglot
from sqlalchemy import ColumnElement, and_, bindparam, or_
from sqlglot import exp

from hotdash.clock import Clock
from hotdash.db.types import UTCDateTime
from hotdash.detection.expression.tunables import NAME as TUNABLE
from hotdash.kernel.tunables import LiveTunables
from hotdash.store.definitions import order_is_delayed
from hotdash.store.models import Order, Shipment, Ticket

SLACK = timedelta(seconds=1)


def _order_delayed(cut: Callable[[float], Any]) -> ColumnElement[bool]:
    # Delayed as of the cutoff: a necessary condition of being delayed by more than the bound now.
    return order_is_delayed(Order, cut(0))


# (entity, field) -> builder of the implied condition, given a function of the hours the field exceeds.
OVER: dict[tuple[str, str], Callable[[Callable[[], Any]], ColumnElement[bool]]] = {
    ("orders", "delay_hours"): lambda at: _order_delayed(lambda _: at()),
    ("orders", "age_hours"): lambda at: Order.placed_at < at(),
    ("tickets", "age_hours"): lambda at: Ticket.created_at < at(),
    ("shipments", "hours_since_last_scan"): lambda at: or_(
        Shipment.last_event_at < at(), and_(Shipment.last_event_at.is_(None), Shipment.shipped_at < at())
    ),
}
MINUTES = {
    ("tickets", "minutes_waiting"): lambda at: and_(
        Ticket.first_response_at.is_(None), Ticket.created_at < at()
    )
}
FLAGS = {("orders", "is_delayed"): ("orders", "delay_hours", 0.0)}


def _terms(tree: exp.Expr) -> list[exp.Expr]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        while isinstance(node, exp.Paren):
            node = node.this
        if isinstance(node, exp.And):
            stack.extend([node.expression, node.this])
        else:
            out.append(node)
    return out


def _number(node: exp.Expr) -> float | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(str(node.this))
        except ValueError:
            return None
    return None


def _tunable(node: exp.Expr) -> str | None:
    """Return the key of `tunable('key')`, or None."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == TUNABLE and len(node.expressions) == 1:
        arg = node.expressions[0]
        if isinstance(arg, exp.Literal) and arg.is_string:
            return str(arg.this)
    return None


def _bound(term: exp.Expr) -> tuple[str, float | str] | None:
    """Return (field, c) when the term says field > c, field >= c or field BETWEEN c AND ...

    "field >= c" and BETWEEN only with c > 0: "delay_hours >= 0" holds for every order (0 when on time).
    c may be `tunable('key')` (returned as the key), only with ">": its value is known only when the rule
    runs, and every tunable is at least 0, so "field > tunable" always implies "field > 0".
    """
    found: tuple[exp.Expr, exp.Expr | None, bool] | None = None
    if isinstance(term, exp.GT | exp.GTE):
        found = (term.this, term.expression, isinstance(term, exp.GT))
    elif isinstance(term, exp.LT | exp.LTE):
        found = (term.expression, term.this, isinstance(term, exp.LT))
    elif isinstance(term, exp.Between):
        found = (term.this, term.args.get("low"), False)
    if found is None:
        return None
    column, limit, strict = found
    if not isinstance(column, exp.Column) or column.table or limit is None:
        return None
    key = _tunable(limit)
    if key is not None:
        return (column.name.lower(), key) if strict else None
    value = _number(limit)
    if value is None or value < 0 or (value == 0 and not strict):
        return None
    return column.name.lower(), value


def hints(
    entity: str, expression: str, clock: Clock, tunables: LiveTunables | None = None
) -> list[ColumnElement[bool]]:
    """Return the index-friendly conditions implied by the rule's top-level AND terms (maybe none)."""
    try:
        tree = sqlglot.parse_one(expression)
    except (sqlglot.errors.ParseError, RecursionError, ValueError):
        return []
    found: list[ColumnElement[bool]] = []
    for term in _terms(tree):
        bound: tuple[str, float | str] | None = None
        if isinstance(term, exp.Column) and not term.table and (entity, term.name.lower()) in FLAGS:
            _, name, value = FLAGS[(entity, term.name.lower())]
            bound = (name, value)
        else:
            bound = _bound(term)
        if bound is None:
            continue
        name, amount = bound
        live = tunables or LiveTunables()
        if (entity, name) in OVER:
            found.append(OVER[(entity, name)](_cutoff(clock, _span(amount, live, timedelta(hours=1)))))
        elif (entity, name) in MINUTES:
            found.append(MINUTES[(entity, name)](_cutoff(clock, _span(amount, live, timedelta(minutes=1)))))
    return found


def _span(amount: float | str, tunables: LiveTunables, unit: timedelta) -> Callable[[], timedelta]:
    """Return the span a bound stands for, read from the tunables at execution when it names one."""
    if isinstance(amount, str):
        key = amount
        return lambda: unit * max(tunables.get(key), 0.0)
    return lambda: unit * amount


def _cutoff(clock: Clock, span: Callable[[], timedelta]) -> Callable[[], Any]:
    def moment() -> datetime:
        return clock.now() - span() + SLACK

    def param() -> Any:
        return bindparam(None, callable_=moment, type_=UTCDateTime(), unique=True)

    return param
