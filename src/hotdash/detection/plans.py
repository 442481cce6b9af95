"""Turn a rule's definition into checked SQL pieces: its condition (templates filled in) and its values.

Everything goes through the rule language's compiler: a template's parameters are written into the
expression as literals of the language (numbers, quoted text) and the whole expression is then checked and
compiled like any other, so a parameter can never become SQL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, true

from hotdash.clock import Clock
from hotdash.detection.expression import ENTITIES, CompiledRule, compile_rule
from hotdash.detection.expression.fields import StoreRun
from hotdash.detection.expression.values import CompiledValue, compile_value
from hotdash.kernel.tunables import LiveTunables

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class DefinitionError(ValueError):
    """A rule whose parts do not fit together (a missing parameter, a group field that is not a field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def language_literal(value: Any) -> str:
    """Write a parameter as a literal of the rule language."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise DefinitionError("template_instances", "parameters must be finite numbers")
        return repr(float(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise DefinitionError(
        "template_instances", f"a parameter must be a number, text or true/false, not {value!r}"
    )


def fill(expression: str, params: Mapping[str, Any]) -> str:
    """Replace each {name} in the expression with the parameter's literal."""

    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in params:
            raise DefinitionError("template_instances", f"an instance gives no value for {{{name}}}")
        return language_literal(params[name])

    return PLACEHOLDER.sub(one, expression)


def placeholders(expression: str) -> list[str]:
    """Return the {name} parameters an expression uses."""
    return PLACEHOLDER.findall(expression)


def template_expression(expression: str, field: str | None, instances: list[dict[str, Any]] | None) -> str:
    """Return the one expression a rule stands for: itself, or one condition per template instance, OR-ed."""
    if not field:
        if placeholders(expression):
            raise DefinitionError(
                "expression", "{parameters} need a template: set template_field and instances"
            )
        return expression
    if not instances:
        raise DefinitionError("template_instances", "a template needs at least one instance")
    parts = []
    for instance in instances:
        value = instance.get("value")
        selector = f"{field} IS NULL" if value is None else f"{field} = {language_literal(value)}"
        condition = fill(expression, instance.get("params") or {})
        parts.append(f"({selector} AND ({condition}))")
    return " OR ".join(parts)


@dataclass(frozen=True)
class Condition:
    """A compiled condition, or "every record" for a metric rule written without one."""

    sql: ColumnElement[bool]
    compiled: CompiledRule | None


def condition(
    entity: str,
    expression: str,
    clock: Clock,
    template_field: str | None = None,
    instances: list[dict[str, Any]] | None = None,
    tunables: LiveTunables | None = None,
    store_run: StoreRun | None = None,
) -> Condition:
    """Compile a rule's condition (raising RuleError or DefinitionError); blank means every record."""
    if entity not in ENTITIES:
        raise DefinitionError("entity", f"unknown entity {entity!r}; entities: {', '.join(ENTITIES)}")
    if not expression.strip() and not template_field:
        return Condition(true(), None)
    text = template_expression(expression or "true", template_field, instances)
    compiled = compile_rule(entity, text, clock=clock, tunables=tunables, store_run=store_run)
    return Condition(compiled.where, compiled)


def value(
    entity: str,
    text: str,
    clock: Clock,
    field: str,
    kinds: tuple[str, ...] = (),
    tunables: LiveTunables | None = None,
    store_run: StoreRun | None = None,
) -> CompiledValue:
    """Compile a value of `entity` for the rule part `field`, of one of `kinds` if given."""
    compiled = compile_value(entity, text, clock=clock, tunables=tunables, store_run=store_run)
    if kinds and compiled.type not in kinds:
        raise DefinitionError(field, f"{text!r} is a {compiled.type}; it must be a {' or '.join(kinds)}")
    return compiled
