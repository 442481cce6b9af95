"""Error messages point at the right characters and suggest the name the operator meant."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hotdash import cli
from hotdash.detection.expression import RuleError, compile_rule, validate

runner = CliRunner()


@pytest.mark.parametrize(
    ("entity", "expression", "column", "name", "suggestion"),
    [
        ("orders", "totl > 5", 1, "totl", "total"),
        (
            "orders",
            "total > 5 AND fulfilment_status = 'unfulfilled'",
            15,
            "fulfilment_status",
            "fulfillment_status",
        ),
        ("orders", "delay_hour > 72", 1, "delay_hour", "delay_hours"),
        ("orders", "customer.is_vipp", 1, "customer.is_vipp", "customer.is_vip"),
        ("orders", "custmer.is_vip", 1, "custmer", "customer"),
        ("orders", "is_first_ordr", 1, "is_first_ordr", "is_first_order"),
        ("tickets", "priorty = 'urgent'", 1, "priorty", "priority"),
        ("shipments", "hours_since_last_scn > 72", 1, "hours_since_last_scn", "hours_since_last_scan"),
        ("skus", "days_of_covr < 7", 1, "days_of_covr", "days_of_cover"),
        ("orders", "total > 5 AND hour_since(placed_at) > 2", 15, "hour_since", "hours_since"),
        ("orders", "contain_tag(tags, 'vip')", 1, "contain_tag", "contains_tag"),
        ("ordres", "total > 5", 1, "ordres", "orders"),
    ],
)
def test_a_typo_names_its_position_and_the_likely_name(
    entity: str, expression: str, column: int, name: str, suggestion: str
) -> None:
    (error,) = validate(entity, expression)
    assert (error.line, error.column, error.name, error.suggestion) == (1, column, name, suggestion)
    assert f"did you mean '{suggestion}'?" in str(error)


def test_an_error_on_a_later_line_gives_that_line_and_column() -> None:
    (error,) = validate("orders", "total > 500\n  AND totl < 900")
    assert (error.line, error.column, error.offset, error.length) == (2, 7, 18, 4)


@pytest.mark.parametrize(
    ("expression", "column", "fragment"),
    [
        ("total > 'abc'", 9, "cannot compare money with text"),
        ("'abc' < total", 1, "cannot compare text with money"),
        ("customer.is_vip = 1", 19, "cannot compare bool with number"),
        ("placed_at > 5", 13, "cannot compare timestamp with number"),
        ("placed_at > 'yesterday'", 13, "'yesterday' is not a timestamp"),
        ("channel > 'web'", 1, "text values can only be compared with =, <>, IN or LIKE"),
        ("total + channel > 5", 9, "'+' needs numbers or money, got text"),
        ("total", 1, "must be a condition"),
        ("NOT total", 5, "NOT needs a condition, got a money"),
        ("lower(total) = 'x'", 1, "lower(text) needs text, got money"),
        ("round(total, 9) > 1", 1, "whole number of digits from 0 to 6"),
        ("contains_tag(tags, channel)", 1, "needs the tag written in quotes"),
        ("total LIKE '5%'", 1, "LIKE needs text, got money"),
        ("channel LIKE number", 14, "needs a pattern in quotes"),
        ("channel LIKE 'a\\'", 14, "cannot end with a lone backslash"),
        ("total = NULL", 9, "use IS NULL"),
        ("channel IN ('web', NULL)", 20, "use IS NULL"),
        ("ship_by IS TRUE", 1, "only IS NULL and IS NOT NULL"),
        ("total > 1e20", 9, "limited to"),
        ("hours_since > 5", 1, "'hours_since' is a function"),
    ],
)
def test_type_and_usage_errors_point_at_the_culprit(expression: str, column: int, fragment: str) -> None:
    (error,) = validate("orders", expression)
    assert fragment in error.message
    assert error.column == column, error


def test_every_failing_condition_of_a_rule_is_reported_in_order() -> None:
    errors = validate("orders", "totl > 5 AND channl = 'web' OR custmer.is_vip")
    assert [(e.column, e.suggestion) for e in errors] == [(1, "total"), (14, "channel"), (32, "customer")]


@pytest.mark.parametrize(
    ("expression", "column", "message"),
    [
        ("total > 5 x", 11, "'x' follows a complete condition: join conditions with AND or OR"),
        ("1 = 1", 1, "the rule reads no field, so it would select every record or none"),
        ("customer = 1", 1, "'customer' is a related record: use one of its fields, e.g. customer.email"),
        ("total >> 5 = 1", 1, "'>>' is not allowed in a rule"),
        ("channel REGEXP 'x'", 1, "regular expressions are not supported: use LIKE or ILIKE"),
    ],
)
def test_refusals_say_what_to_write_instead(expression: str, column: int, message: str) -> None:
    (error,) = validate("orders", expression)
    assert (error.column, error.message) == (column, message)


def test_compile_rule_raises_with_the_same_errors_validate_lists() -> None:
    with pytest.raises(RuleError) as raised:
        compile_rule("orders", "totl > 5")
    assert raised.value.errors == validate("orders", "totl > 5")
    assert "did you mean 'total'" in str(raised.value)


def test_the_check_command_shows_a_caret_under_the_error() -> None:
    result = runner.invoke(
        cli.app, ["rules", "check", "orders", "fulfillment_status = 'unfulfilled' AND totl > 5"]
    )
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "Error: line 1, column 40: unknown field 'totl' for orders; did you mean 'total'?"
    assert lines[1] == "  fulfillment_status = 'unfulfilled' AND totl > 5"
    assert lines[2] == "  " + " " * 39 + "^^^^"


def test_the_check_command_says_ok_with_the_fields_used() -> None:
    result = runner.invoke(
        cli.app, ["rules", "check", "orders", "delay_hours > 72 AND customer.is_first_order"]
    )
    assert result.exit_code == 0
    assert result.output.strip() == "OK: a valid rule on orders, reading delay_hours, customer.is_first_order"


def test_the_fields_command_lists_fields_with_types_and_related_fields() -> None:
    result = runner.invoke(cli.app, ["rules", "fields", "orders"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "delay_hours" in result.output
    assert "customer.is_first_order" in result.output
    assert "location.name" in result.output
    unknown = runner.invoke(cli.app, ["rules", "fields", "widgets"])
    assert unknown.exit_code == 1
    assert "orders, tickets" in unknown.output


def test_the_check_command_names_the_entities_when_the_entity_is_unknown() -> None:
    result = runner.invoke(cli.app, ["rules", "check", "ordres", "total > 5"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: unknown entity 'ordres'; did you mean 'orders'? Entities: orders,"
    )
