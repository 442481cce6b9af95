"""Metric and pattern thresholds given as tunable names, resolved to numbers when the rule runs.

A threshold is a number (`5`) or a tunable's name, optionally plus or minus a number:
`"fulfillment.investigate_min"`, `"fulfillment.critical_above + 1"`. The offset exists because the guide
writes some lines as "more than 15" while a threshold is met at ">=": for a count, "> 15" is ">= 15 + 1".
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from hotdash.clock import SystemClock
from hotdash.detection import plans
from hotdash.detection.expression import RuleError
from hotdash.kernel.tunables import BY_KEY, Tunables, Unit, load_tunables, unknown_message


class TunableUse(BaseModel):
    """A tunable a rule reads, with its value in force (the thresholds page changes it)."""

    key: str
    label: str
    value: float
    default: float
    unit: Unit
    is_default: bool


REFERENCE = re.compile(r"^\s*([a-z][a-z0-9_]*\.[a-z0-9_]+)\s*(?:([+-])\s*(\d+(?:\.\d+)?))?\s*$")


def parse_reference(text: str) -> tuple[str, float]:
    """Return (tunable key, offset) of a threshold written as a name; ValueError says what is wrong."""
    found = REFERENCE.match(text)
    if found is None:
        raise ValueError(
            f"threshold {text!r} is neither a number nor a tunable's name "
            "(e.g. 'fulfillment.investigate_min' or 'fulfillment.critical_above + 1')"
        )
    key, sign, amount = found.groups()
    if key not in BY_KEY:
        raise ValueError(unknown_message(key))
    offset = float(amount or 0)
    return key, -offset if sign == "-" else offset


def tunables_of(thresholds: Mapping[str, float | str] | None) -> list[str]:
    """Return the tunables a rule's thresholds name, in severity order of the mapping."""
    found: list[str] = []
    for limit in (thresholds or {}).values():
        if isinstance(limit, str):
            key = parse_reference(limit)[0]
            if key not in found:
                found.append(key)
    return found


def resolve(thresholds: Mapping[str, float | str] | None, values: Mapping[str, float]) -> dict[str, float]:
    """Return the thresholds as numbers, each name replaced by its tunable's value in `values`."""
    resolved: dict[str, float] = {}
    for severity, limit in (thresholds or {}).items():
        if isinstance(limit, str):
            key, offset = parse_reference(limit)
            resolved[severity] = float(values[key]) + offset
        else:
            resolved[severity] = float(limit)
    return resolved


def used_by(rule: Any) -> list[str]:
    """Return every tunable a stored rule reads: in its condition (directly or through a field such as
    `is_high_value`) and in its thresholds. A condition that no longer compiles reads none."""
    found: list[str] = []
    try:
        condition = plans.condition(
            rule.entity, rule.expression or "", SystemClock(), rule.template_field, rule.template_instances
        )
    except (RuleError, plans.DefinitionError):
        condition = None
    if condition is not None and condition.compiled is not None:
        found += condition.compiled.tunables_used
    # A stored threshold naming a tunable since removed reads none: the rule's run reports it as broken.
    with contextlib.suppress(ValueError):
        found += [key for key in tunables_of(rule.thresholds) if key not in found]
    return found


def in_force(session: Session, keys: list[str], values: Tunables | None = None) -> list[TunableUse]:
    """Return the tunables `keys` with their values in force (read unless given), for a rule's page."""
    values = values if values is not None else load_tunables(session=session)
    return [
        TunableUse(
            key=key,
            label=BY_KEY[key].label,
            value=values[key],
            default=BY_KEY[key].default,
            unit=BY_KEY[key].unit,
            is_default=values.is_default(key),
        )
        for key in keys
        if key in BY_KEY
    ]
