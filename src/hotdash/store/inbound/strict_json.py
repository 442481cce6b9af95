"""JSON as a webhook may send it, parsed with limits: no NaN or Infinity, no huge numbers, no endless nesting.

Python's `json` accepts `NaN`, `Infinity` and `1e999999` (as inf), turns a 5,000-digit integer into a
ValueError, and a body nested a few thousand levels deep into a RecursionError: each was stored, then failed
mapping, or answered 500. Here each is a `JsonRefused` with a message the sender can act on.
"""

from __future__ import annotations

import json
import math
from typing import Any

# Shopify's and Chatwoot's ids are at most 19 digits and their amounts a dozen characters; 40 leaves room for
# any real figure while keeping int() and float() cheap.
MAX_NUMBER_CHARS = 40


class JsonRefused(ValueError):
    """A body that is not JSON HotDash accepts; `code` names the rule it broke.

    The message completes "The body ...", e.g. "is nested too deeply to be a real payload."
    """

    def __init__(self, code: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.position = position


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_CHARS:
        raise JsonRefused("number_too_long", f"has a number of more than {MAX_NUMBER_CHARS} digits.")
    return int(text)


def _real(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonRefused("number_too_long", f"has a number longer than {MAX_NUMBER_CHARS} characters.")
    value = float(text)
    if not math.isfinite(value):
        raise JsonRefused("number_out_of_range", f"has a number too large to represent ({text}).")
    return value


def _constant(name: str) -> Any:
    raise JsonRefused("not_a_number", f"has {name}, which is not a JSON number: send a figure, or null.")


def loads(text: str) -> Any:
    """Parse `text` as JSON within the limits; JsonRefused says what is wrong (and where, when known)."""
    try:
        return json.loads(text, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise JsonRefused(
            "invalid_json",
            f"is not valid JSON ({error.msg} at character {error.pos}); it may have been cut off.",
            error.pos,
        ) from error
    except RecursionError as error:
        raise JsonRefused("nested_too_deep", "is nested too deeply to be a real payload.") from error
