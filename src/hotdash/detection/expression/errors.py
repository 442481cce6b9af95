"""What is wrong with a rule, where, and what the operator probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExpressionError:
    """One problem in a rule, pointing at the characters that cause it.

    `offset` counts characters from 0; `line` and `column` count from 1, as editors show them.
    """

    code: str
    message: str
    offset: int
    line: int
    column: int
    length: int = 1
    name: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        hint = f"; did you mean '{self.suggestion}'?" if self.suggestion else ""
        return f"line {self.line}, column {self.column}: {self.message}{hint}"


class RuleError(ValueError):
    """A rule that cannot be compiled; `errors` says why (never empty)."""

    def __init__(self, errors: list[ExpressionError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def locate(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def error_at(
    text: str,
    code: str,
    message: str,
    offset: int,
    length: int = 1,
    *,
    name: str | None = None,
    suggestion: str | None = None,
) -> ExpressionError:
    """Build an error at `offset` of `text`."""
    line, column = locate(text, offset)
    return ExpressionError(code, message, offset, line, column, max(length, 1), name, suggestion)


def suggest(name: str, known: Iterable[str]) -> str | None:
    """Return the known name closest to a misspelt one, if any is close enough to be a likely typo."""
    found = difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.6)
    return found[0] if found else None
