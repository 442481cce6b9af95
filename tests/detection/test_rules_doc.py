"""docs/rules.md lists exactly the catalogue's fields and functions, and its examples behave as it says."""

from __future__ import annotations

import re
from pathlib import Path

from hotdash.detection.expression import ENTITIES, validate
from hotdash.detection.expression.docs import BEGIN, END, render
from hotdash.detection.expression.functions import FUNCTIONS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_the_reference_part_of_the_page_is_the_catalogue() -> None:
    text = PAGE.read_text(encoding="utf-8")
    generated = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert generated == render(), "run: python -m hotdash.detection.expression.docs docs/rules.md"


def test_every_field_and_function_appears_in_the_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for entity in ENTITIES.values():
        section = text[text.index(f"#### `{entity.name}`") :]
        for name in entity.fields:
            assert f"| `{name}` |" in section, (entity.name, name)
    for fn in FUNCTIONS.values():
        assert f"`{fn.signature}`" in text


def test_the_examples_in_the_error_table_give_the_errors_shown() -> None:
    text = PAGE.read_text(encoding="utf-8")
    table = text[text.index("## Errors") : text.index("## Known differences")]
    rows = re.findall(r"^\| [^|]+ \| `([^`]+)`[^|]* \| (.+) \|$", table, re.MULTILINE)
    assert len(rows) >= 10
    for expression, message in rows:
        errors = validate("orders", expression)
        assert errors, expression
        assert message.startswith(errors[0].message[:25]) or errors[0].message in message, (
            expression,
            message,
        )


def test_the_grammar_examples_are_valid_rules() -> None:
    text = PAGE.read_text(encoding="utf-8")
    grammar = text[text.index("## Grammar by example") : text.index("### Types")]
    for expression in [
        "fulfillment_status = 'unfulfilled' AND delay_hours > 72 AND total > 500 AND customer.is_first_order"
    ]:
        assert validate("orders", expression) == []
    # The first column of the grammar table: what an operator writes.
    written = [line.split(" | ")[0] for line in grammar.splitlines() if line.startswith("| `")]
    examples = [e for cell in written for e in re.findall(r"`([^`]+)`", cell)]
    checked = 0
    for example in examples:
        if example.startswith(("day ", "status", "subject", "'")) or example in (
            "%",
            "_",
            "\\%",
            "\\_",
            "\\\\",
        ):
            continue
        if example.startswith(("-", "total * 2", "total / ")):
            example = f"{example} > 0"
        if (
            example in ("NOT LIKE", "NOT BETWEEN", "NOT IN", "!=")
            or "Lower(" in example
            or example in ("TOTAL", "and")
        ):
            continue
        assert validate("orders", example) == [], example
        checked += 1
    assert checked >= 15


def test_the_example_rules_for_the_guides_situations_are_valid() -> None:
    text = PAGE.read_text(encoding="utf-8")
    block = text[text.index("```rules") + len("```rules") :]
    lines = [line for line in block[: block.index("```")].splitlines() if line.strip()]
    assert len(lines) >= 10
    for line in lines:
        entity, rule = line.split(": ", 1)
        assert validate(entity, rule) == [], line
