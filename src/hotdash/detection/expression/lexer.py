"""Checks made on the raw text and its tokens, before the parser sees it.

They stop what a parser should never be asked to handle (huge inputs, deep nesting that would exhaust
Python's recursion), and reject early, with a precise position, what can hide a second statement: `;`,
comments, placeholders, quoted names, casts with `::`, and characters that look like something else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import Token, TokenType
from sqlglot.tokens import Tokenizer

from hotdash.detection.expression.errors import ExpressionError, error_at, suggest

MAX_LENGTH = 4000  # characters; a long rule is a few hundred
MAX_TOKENS = 600
MAX_NESTING = 32  # parentheses inside each other

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Characters allowed outside string literals beyond printable ASCII: none. Inside strings any printable
# character is fine (product names are not ASCII), but not invisible ones that change how text reads.
ALLOWED_SPACE = frozenset("\n\r\t ")
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

STATEMENT_WORDS = {
    TokenType.SELECT: "SELECT",
    TokenType.UNION: "UNION",
    TokenType.INTERSECT: "INTERSECT",
    TokenType.EXCEPT: "EXCEPT",
    TokenType.FROM: "FROM",
    TokenType.WITH: "WITH",
    TokenType.INSERT: "INSERT",
    TokenType.UPDATE: "UPDATE",
    TokenType.DELETE: "DELETE",
    TokenType.DROP: "DROP",
    TokenType.CREATE: "CREATE",
    TokenType.ALTER: "ALTER",
    TokenType.EXISTS: "EXISTS",
    TokenType.PRAGMA: "PRAGMA",
}
REFUSED = {
    TokenType.SEMICOLON: "';' ends a statement: a rule is one condition, without ';'",
    TokenType.PLACEHOLDER: "placeholders are not allowed: write the value itself",
    TokenType.PARAMETER: "parameters are not allowed: write the value itself",
    TokenType.DCOLON: "casts with '::' are not allowed: each field already has its type",
    TokenType.IDENTIFIER: "quoted names are not allowed: write field names without quotes",
    TokenType.DPIPE: "'||' is not supported: compare text with =, IN or LIKE",
}


def _describe(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def _characters(text: str) -> list[ExpressionError]:
    errors = []
    for offset, char in enumerate(text):
        if char in ALLOWED_SPACE:
            continue
        if unicodedata.category(char) in INVISIBLE:
            errors.append(
                error_at(text, "invisible_character", f"invisible character {_describe(char)}", offset)
            )
            break
    return errors


def _token_errors(text: str, token: Token, known: Iterable[str]) -> ExpressionError | None:
    length = token.end - token.start + 1
    if token.comments:
        return error_at(text, "comment", "comments are not allowed in a rule", token.start, length)
    if token.token_type in STATEMENT_WORDS:
        word = STATEMENT_WORDS[token.token_type]
        return error_at(
            text,
            "statement",
            f"{word} is not allowed: a rule is one condition, not a query or a statement",
            token.start,
            length,
            name=word,
        )
    if token.token_type in REFUSED:
        return error_at(text, "refused_token", REFUSED[token.token_type], token.start, length)
    if token.token_type != TokenType.STRING and not token.text.isascii():
        bad = next(c for c in token.text if not c.isascii())
        offset = token.start + token.text.index(bad)
        return error_at(
            text,
            "non_ascii",
            f"'{token.text}' contains {_describe(bad)}; outside quotes only plain ASCII is allowed",
            offset,
            name=token.text,
            suggestion=suggest(token.text, known),
        )
    if token.token_type == TokenType.VAR and not NAME.match(token.text):
        return error_at(text, "bad_name", f"'{token.text}' is not a valid name", token.start, length)
    return None


def _nesting(text: str, tokens: list[Token]) -> ExpressionError | None:
    depth = 0
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
            if depth > MAX_NESTING:
                return error_at(
                    text,
                    "too_deep",
                    f"parentheses nested more than {MAX_NESTING} deep",
                    token.start,
                )
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
    return None


def tokenize(text: str, known: Iterable[str] = ()) -> tuple[list[Token], list[ExpressionError]]:
    """Return the tokens of a rule, or the reasons it cannot be parsed safely.

    `known` are the names the rule may use, to suggest one for a name with a look-alike character.
    """
    if not text.strip():
        return [], [error_at(text, "empty", "the rule is empty: write a condition such as total > 500", 0)]
    if len(text) > MAX_LENGTH:
        message = f"the rule is {len(text)} characters long; the limit is {MAX_LENGTH}"
        return [], [error_at(text, "too_long", message, MAX_LENGTH)]
    errors = _characters(text)
    if errors:
        return [], errors
    try:
        tokens = Tokenizer().tokenize(text)
    except TokenError as problem:
        return [], [error_at(text, "syntax", f"cannot read the rule: {str(problem)[:200]}", 0)]
    for token in tokens:
        problem_at = _token_errors(text, token, known)
        if problem_at is not None:
            return [], [problem_at]
    too_deep = _nesting(text, tokens)
    if too_deep is not None:
        return [], [too_deep]
    if len(tokens) > MAX_TOKENS:
        message = f"the rule has {len(tokens)} words and symbols; the limit is {MAX_TOKENS}"
        return [], [error_at(text, "too_long", message, tokens[MAX_TOKENS].start)]
    return tokens, []
