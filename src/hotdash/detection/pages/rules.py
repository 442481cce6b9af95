"""The rules pages: the list, one rule (definition, versions, evaluations), and the no-code builder.

The builder writes expression text in the rule language; the server checks it with `service.check` (the
language's own errors, with their positions), previews it with `backtest.backtest`, and saves it with
`service.create_rule` / `service.update_rule`, which version every change with its author and diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from hotdash.auth.deps import CurrentUser, require_role
from hotdash.auth.models import Role, User
from hotdash.clock import FrozenClock
from hotdash.detection import backtest, service, thresholds
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.expression import ENTITIES, fields_of
from hotdash.detection.lifecycle import Match
from hotdash.detection.models import Rule
from hotdash.detection.pages.detections import store_zones
from hotdash.detection.schemas import RuleSpec, definition_of
from hotdash.detection.tilemap import tile_of
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import PageError
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.session import DbSession
from hotdash.store.models import Store

router = APIRouter(include_in_schema=False)

Manager = Annotated[
    User, Depends(require_role(Role.manager, "Managers and admins change rules; ask one of them."))
]
PREVIEW_DAYS = (1, 7, 30)
SAMPLES = 5


@dataclass
class Draft:
    """What the builder form holds, and what checking or previewing it found."""

    key: str = ""
    name: str = ""
    description: str = ""
    kind: str = "record"
    entity: str = "orders"
    severity: str = "warning"
    expression: str = ""
    days: int = 7
    problems: list[service.Problem] = field(default_factory=list)
    preview: backtest.Backtest | None = None
    matching: list[Match] = field(default_factory=list)  # a few of the records it matches now

    def spec(self, base: dict[str, Any] | None = None) -> RuleSpec:
        data = dict(base or {}) | {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "entity": self.entity,
            "severity": self.severity,
            "expression": self.expression,
        }
        return RuleSpec.model_validate(data, strict=False)


def _catalogue() -> dict[str, list[dict[str, str]]]:
    """Return entity -> its fields (name, type, help), for the builder's pickers."""
    return {e: [{"name": n, "type": t, "help": h} for n, t, h in fields_of(e)] for e in ENTITIES}


# What every rules page shows: the Rules tab active.
_BASE: dict[str, Any] = {"active": "rules"}


@router.get("/rules", response_class=HTMLResponse, name="rules_page")
def rules_page(request: Request, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """List every rule with its state, its open detections and how long its last evaluation took."""
    return render_page(
        request,
        "rules.html",
        _BASE
        | {
            "rules": service.list_rules(session=session),
            "open": service.open_counts(session=session),
            "latest": service.latest_evaluations(session=session),
            "tile_of": lambda r: tile_of(tile=r.tile, entity=r.entity),
            "can_edit": Role(user.role).at_least(Role.manager),
        },
    )


def _builder(
    request: Request, draft: Draft, *, rule: Rule | None = None, status_code: int = 200, saved_error: str = ""
) -> HTMLResponse:
    return render_page(
        request,
        "rule_new.html",
        _BASE
        | {
            "draft": draft,
            "rule": rule,
            "catalogue": _catalogue(),
            "entities": list(ENTITIES),
            "days_choices": PREVIEW_DAYS,
            "error": saved_error,
            "marked": _marked(draft),
        },
        status=status_code,
    )


def _marked(draft: Draft) -> tuple[str, str, str] | None:
    """Split the expression around the first located problem, to show it in place."""
    at = next((p.offset for p in draft.problems if p.field == "expression" and p.offset is not None), None)
    if at is None:
        return None
    text = draft.expression
    at = min(at, len(text))
    return text[:at], text[at : at + 1] or " ", text[at + 1 :]


@router.get("/rules/new", response_class=HTMLResponse, name="rule_new")
def rule_new(request: Request, user: Manager) -> HTMLResponse:
    """The builder, empty."""
    return _builder(request, Draft())


def _read_draft(form: dict[str, str]) -> Draft:
    try:
        days = int(form.get("days", "7"))
    except ValueError:
        days = 7
    return Draft(
        key=form.get("key", "").strip(),
        name=form.get("name", "").strip(),
        description=form.get("description", "").strip(),
        kind=form.get("kind", "record"),
        entity=form.get("entity", "orders"),
        severity=form.get("severity", "warning"),
        expression=form.get("expression", "").strip(),
        days=days if days in PREVIEW_DAYS else 7,
    )


def _problems_of(error: ValidationError) -> list[service.Problem]:
    return [service.Problem(".".join(str(p) for p in e["loc"]) or "rule", e["msg"]) for e in error.errors()]


def _check_and_preview(
    request: Request, session: DbSession, draft: Draft, base: dict[str, Any] | None, action: str
) -> RuleSpec | None:
    """Fill the draft's problems (and preview, if asked); return the spec when it is fit to save."""
    try:
        spec = draft.spec(base)
    except ValidationError as invalid:
        draft.problems = _problems_of(invalid)
        return None
    draft.problems = service.check(spec, session=session)
    if draft.problems:
        return None
    if action == "preview":
        rule = backtest.transient_rule(spec)
        moment = now(request)
        draft.preview = backtest.backtest(session=session, rule=rule, now=moment, days=draft.days)
        # The backtest samples new firings only; what matches already is worth seeing too.
        evaluator = Evaluator(FrozenClock(moment))
        for store in session.scalars(select(Store).order_by(Store.id)):
            found = evaluator.matches(session=session, rule=rule, store=store)
            draft.matching += list(found.values())[: SAMPLES - len(draft.matching)]
            if len(draft.matching) >= SAMPLES:
                break
    return spec


@router.post("/rules/new", response_class=HTMLResponse, name="rule_create")
async def rule_create(request: Request, session: DbSession, user: Manager) -> Response:
    """Check, preview (action=preview) or save (action=save) a new rule."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    draft = _read_draft(form)
    action = form.get("action", "preview")
    spec = _check_and_preview(request, session, draft, None, action)
    if spec is None or action != "save":
        return _builder(request, draft, status_code=422 if draft.problems else 200)
    try:
        service.create_rule(session=session, spec=spec, actor=user, now=now(request))
    except service.RuleExists as exists:
        draft.problems = [service.Problem("key", str(exists))]
        return _builder(request, draft, status_code=409)
    back = request.url_for("rule_page", key=spec.key).path
    return RedirectResponse(f"{back}?saved=1", status_code=303)


def _rule(session: DbSession, key: str) -> Rule:
    try:
        return service.get_rule(session=session, key=key)
    except service.UnknownRule as missing:
        raise PageError(404, "No such rule", str(missing)) from missing


@router.get("/rules/{key}", response_class=HTMLResponse, name="rule_page")
def rule_page(request: Request, key: str, session: DbSession, user: CurrentUser) -> HTMLResponse:
    """Show a rule: its definition, versions with author and diff, latest evaluations; managers edit it."""
    rule = _rule(session, key)
    _, zone = store_zones(session)
    return render_page(
        request,
        "rule.html",
        _BASE
        | {
            "rule": rule,
            "definition": definition_of(rule),
            "tunables": thresholds.in_force(session, thresholds.used_by(rule)),
            "tile": tile_of(tile=rule.tile, entity=rule.entity),
            "open": service.open_counts(session=session).get(rule.id, 0),
            "versions": service.versions(session=session, rule=rule),
            "evaluations": service.evaluations(session=session, rule=rule, limit=20),
            "can_edit": Role(user.role).at_least(Role.manager),
            "zone": zone,
            "saved": request.query_params.get("saved") == "1",
        },
    )


@router.get("/rules/{key}/edit", response_class=HTMLResponse, name="rule_edit")
def rule_edit(request: Request, key: str, session: DbSession, user: Manager) -> HTMLResponse:
    """The builder on an existing rule."""
    rule = _rule(session, key)
    draft = Draft(
        key=rule.key,
        name=rule.name,
        description=rule.description,
        kind=rule.kind,
        entity=rule.entity,
        severity=rule.severity,
        expression=rule.expression,
    )
    return _builder(request, draft, rule=rule)


@router.post("/rules/{key}/edit", response_class=HTMLResponse, name="rule_update")
async def rule_update(request: Request, key: str, session: DbSession, user: Manager) -> Response:
    """Check, preview or save a change to a rule (a new version when something changed)."""
    rule = _rule(session, key)
    form = {k: str(v) for k, v in (await request.form()).items()}
    draft = _read_draft(form | {"key": rule.key})
    action = form.get("action", "preview")
    spec = _check_and_preview(request, session, draft, definition_of(rule), action)
    if spec is None or action != "save":
        return _builder(request, draft, rule=rule, status_code=422 if draft.problems else 200)
    changes = {k: v for k, v in spec.definition().items() if k != "key"}
    service.update_rule(session=session, key=key, changes=changes, actor=user, now=now(request))
    back = request.url_for("rule_page", key=key).path
    return RedirectResponse(f"{back}?saved=1", status_code=303)


@router.post("/rules/{key}/enabled", response_class=HTMLResponse, name="rule_enabled")
def rule_enabled(
    request: Request, key: str, session: DbSession, user: Manager, enabled: Annotated[str, Form()] = ""
) -> Response:
    """Enable or disable a rule (a versioned change)."""
    _rule(session, key)
    try:
        service.set_enabled(session=session, key=key, enabled=enabled == "true", actor=user, now=now(request))
    except service.RuleInvalid as invalid:
        raise PageError(422, "The rule cannot be changed", str(invalid)) from invalid
    return RedirectResponse(request.url_for("rule_page", key=key).path, status_code=303)
