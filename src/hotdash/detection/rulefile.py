"""Rules as code: export rules to YAML and import them back, with errors that point to the file's line.

The file is `rules:` followed by a list of rule definitions with RuleSpec's fields. Import checks every rule
(shape, expression, parts) before changing anything: a file with one bad rule changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hotdash.auth.models import User
from hotdash.detection import service
from hotdash.detection.models import Rule
from hotdash.detection.schemas import RuleSpec, definition_of


@dataclass(frozen=True)
class FileError:
    """One problem in a rules file, at a line (1-based) of the file."""

    line: int
    rule: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"rule {self.rule}, " if self.rule else ""
        return f"line {self.line}: {where}{self.field}: {self.message}"


class RuleFileInvalid(ValueError):
    """A rules file that cannot be imported; `errors` lists each problem with its line."""

    def __init__(self, errors: list[FileError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


def export_rules(rules: list[Rule]) -> str:
    """Return the rules as a YAML document, in the field order of RuleSpec, without empty fields."""
    items = []
    for rule in rules:
        data = definition_of(rule)
        items.append({k: v for k, v in data.items() if v not in (None, "", [], {})})
    return yaml.safe_dump({"rules": items}, sort_keys=False, allow_unicode=True, width=110)


def _lines(node: yaml.Node, path: tuple[Any, ...], found: dict[tuple[Any, ...], int]) -> None:
    """Record the line of every mapping key and list item, by its path in the document."""
    found[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            found[child] = key.start_mark.line + 1
            _lines(value, child, found)
            found[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), found)


def _line_of(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def parse(text: str) -> list[tuple[RuleSpec, int]]:
    """Read and validate a rules file; return each rule with its line, or raise RuleFileInvalid."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(problem, "problem", None) or str(problem)
        raise RuleFileInvalid([FileError(line, None, "yaml", str(reason))]) from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleFileInvalid(
            [FileError(1, None, "rules", "the file must be a mapping with a list under 'rules:'")]
        )
    lines: dict[tuple[Any, ...], int] = {}
    if root is not None:
        _lines(root, (), lines)
    specs: list[tuple[RuleSpec, int]] = []
    errors: list[FileError] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data["rules"]):
        start = _line_of(lines, ("rules", index))
        key = item.get("key") if isinstance(item, dict) else None
        try:
            spec = RuleSpec.model_validate(item)
        except ValidationError as invalid:
            for e in invalid.errors():
                path = ("rules", index, *e["loc"])
                field = ".".join(str(p) for p in e["loc"]) or "rule"
                errors.append(FileError(_line_of(lines, path), key, field, e["msg"]))
            continue
        if spec.key in seen:
            errors.append(FileError(start, spec.key, "key", f"the same key is on line {seen[spec.key]} too"))
            continue
        seen[spec.key] = start
        specs.append((spec, start))
    if errors:
        raise RuleFileInvalid(errors)
    return specs


def import_rules(
    *, session: Session, text: str, actor: User | None, now: datetime, author: str | None = None
) -> ImportResult:
    """Create or update the file's rules (by key), each change a version; all or nothing."""
    specs = parse(text)
    result = ImportResult([], [], [])
    errors: list[FileError] = []
    lines: dict[tuple[Any, ...], int] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        _lines(root, (), lines)
    index_of = {spec.key: i for i, (spec, _) in enumerate(specs)}
    # Sources of pattern rules first, so a pattern rule can name a rule created by the same file.
    ordered = sorted(specs, key=lambda pair: pair[0].kind == "pattern")
    with session.begin_nested():
        for spec, start in ordered:
            try:
                existing = session.query(Rule).filter(Rule.key == spec.key).one_or_none()
                if existing is None:
                    service.create_rule(session=session, spec=spec, actor=actor, now=now, author=author)
                    result.created.append(spec.key)
                    continue
                version = existing.version
                service.update_rule(
                    session=session,
                    key=spec.key,
                    changes=spec.definition(),
                    actor=actor,
                    now=now,
                    author=author,
                )
                (result.updated if existing.version != version else result.unchanged).append(spec.key)
            except service.RuleInvalid as invalid:
                for p in invalid.problems:
                    line = _line_of(lines, ("rules", index_of[spec.key], p.field))
                    if p.field == "expression" and p.line:
                        # A block scalar's text starts on the line after its key.
                        block = lines.get(("rules", index_of[spec.key], "expression"), start)
                        multiline = "\n" in spec.expression
                        line = block + (p.line if multiline else 0)
                    where = f" (column {p.column} of the expression)" if p.column else ""
                    errors.append(FileError(line, spec.key, p.field, p.message + where))
        if errors:
            raise RuleFileInvalid(sorted(errors, key=lambda e: e.line))
    return result
