"""Compile a value (not a condition) of an entity: what metric rules aggregate and group by.

A metric rule sums `total` per `location.name`; a pattern rule groups detections by their ticket's `category`.
Both are written in the rule language and go through the same whitelist and translator as conditions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from hotdash.clock import Clock, SystemClock
from hotdash.detection.expression.api import _clock_params, _entity, _parse
from hotdash.detection.expression.errors import ExpressionError, RuleError
from hotdash.detection.expression.fields import Scope, StoreRun
from hotdash.detection.expression.translate import Refused, Translator
from hotdash.detection.expression.types import FieldType
from hotdash.kernel.tunables import LiveTunables


@dataclass(frozen=True)
class CompiledValue:
    """A checked value expression on `entity`'s table, and its type."""

    entity: str
    text: str
    sql: ColumnElement[Any]
    type: FieldType


def compile_value(
    entity: str,
    text: str,
    *,
    clock: Clock | None = None,
    tunables: LiveTunables | None = None,
    store_run: StoreRun | None = None,
) -> CompiledValue:
    """Check a value expression (a field, a related field, arithmetic) and compile it; raise RuleError."""
    found = _entity(entity, text)
    if isinstance(found, ExpressionError):
        raise RuleError([found])
    tree, errors = _parse(text, found)
    if tree is None:
        raise RuleError(errors)
    now, today, since = _clock_params(clock or SystemClock())
    scope = Scope(found.model, now, today, since, tunables or LiveTunables(), store_run or StoreRun())
    translator = Translator(text, found, scope)
    try:
        typed = translator.visit(tree)
    except Refused as refused:
        raise RuleError(sorted(refused.errors, key=lambda e: e.offset)) from None
    return CompiledValue(entity, text, typed.sql, typed.type)
