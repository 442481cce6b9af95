"""The detection rule language: a SQL condition over one entity's fields, checked and compiled safely.

See docs/rules.md. `validate(entity, text)` lists problems; `compile_rule(entity, text)` gives a
SQLAlchemy condition with bound parameters only.
"""

from hotdash.detection.expression.api import CompiledRule, compile_rule, fields_of, validate
from hotdash.detection.expression.errors import ExpressionError, RuleError
from hotdash.detection.expression.registry import ENTITIES

__all__ = [
    "ENTITIES",
    "CompiledRule",
    "ExpressionError",
    "RuleError",
    "compile_rule",
    "fields_of",
    "validate",
]
