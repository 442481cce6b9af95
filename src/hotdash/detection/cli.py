"""`hotdash rules`: check a rule and list the fields a rule can use, without touching the database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from hotdash.detection.expression import ENTITIES, ExpressionError, compile_rule, fields_of, validate
from hotdash.detection.expression.errors import locate

app = typer.Typer(
    help="Detection rules: list, test, backtest, enable, import, export and run them; check an expression.",
    no_args_is_help=True,
)


def caret_lines(expression: str, error: ExpressionError) -> list[str]:
    """Return the line of the rule holding the error and a line of carets under the offending characters."""
    lines = expression.split("\n")
    line, column = locate(expression, min(error.offset, len(expression)))
    source = lines[line - 1] if line - 1 < len(lines) else ""
    width = max(1, min(error.length, len(source) - column + 1))
    # Tabs keep their width in the caret line, so the caret stays under the character.
    pad = "".join("\t" if c == "\t" else " " for c in source[: column - 1])
    return [source, pad + "^" * width]


@app.command()
def check(
    entity: Annotated[str, typer.Argument(help="What the rule selects: orders, tickets, shipments, ...")],
    expression: Annotated[
        str, typer.Argument(help='The condition, e.g. "delay_hours > 72 AND total > 500".')
    ],
) -> None:
    """Check a rule: print OK and the fields it reads, or each error with a caret under its position."""
    console = Console(highlight=False, soft_wrap=True)
    errors = validate(entity, expression)
    if not errors:
        used = compile_rule(entity, expression).fields_used
        console.print(f"OK: a valid rule on {entity}, reading {', '.join(used) or 'no field'}", markup=False)
        return
    for error in errors:
        if error.code == "unknown_entity":
            hint = f"; did you mean '{error.suggestion}'?" if error.suggestion else ""
            console.print(f"Error: {error.message}{hint} Entities: {', '.join(ENTITIES)}", markup=False)
            continue
        console.print(f"Error: {error}", markup=False)
        for text in caret_lines(expression, error):
            console.print(f"  {text}", markup=False)
    raise typer.Exit(code=1)


@app.command()
def fields(
    entity: Annotated[str, typer.Argument(help="orders, tickets, shipments, skus, customers, ...")],
) -> None:
    """List the fields a rule on ENTITY can use, with their types and meaning."""
    console = Console(highlight=False, soft_wrap=True)
    if entity not in ENTITIES:
        console.print(f"Unknown entity '{entity}'. Entities: {', '.join(ENTITIES)}", markup=False)
        raise typer.Exit(code=1)
    table = Table(title=f"Fields of {entity}")
    for heading in ("field", "type", "meaning"):
        table.add_column(heading)
    for name, kind, meaning in fields_of(entity):
        table.add_row(name, kind, meaning)
    console.print(table)


# Commands on stored rules (list, show, test, backtest, ...) live in hotdash.detection.rules_cli.
def _register_stored_rule_commands() -> None:
    from hotdash.detection import rules_cli

    rules_cli.register(app)


_register_stored_rule_commands()
