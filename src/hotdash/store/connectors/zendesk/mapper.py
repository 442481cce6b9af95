"""Zendesk Support payloads to canonical tickets.

Reads the Tickets API page (`GET /api/v2/tickets.json`, optionally with `include=users,metric_sets`) and the
incremental ticket export pages (`/api/v2/incremental/tickets/cursor.json` and the time-based
`/api/v2/incremental/tickets.json`). Both carry `tickets`; they differ only in how the next page is found,
which `page_position` reads. Pure functions: no database, no network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hotdash.store.connectors import ticket_rules as rules

SOURCE_KIND = "zendesk"

STATUS = {
    "new": "new",
    "open": "open",
    "pending": "pending",
    "hold": "on_hold",
    "solved": "solved",
    "closed": "closed",
    # The incremental export reports deleted tickets; they have left the queue for good.
    "deleted": "closed",
}
PRIORITY = {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"}
DEFAULT_PRIORITY = "normal"  # Zendesk leaves priority empty until someone sets it
CHANNEL = {
    "email": "email",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "help_center": "web",
    "mobile_sdk": "chat",
    "chat": "chat",
    "chat_transcript": "chat",
    "native_messaging": "chat",
    "messaging": "chat",
    "sms": "chat",
    "voice": "phone",
    "phone_call_inbound": "phone",
    "phone_call_outbound": "phone",
    "voicemail": "phone",
    "facebook": "social",
    "twitter": "social",
    "instagram_dm": "social",
    "whatsapp": "social",
    "any_channel": "social",
}
DEFAULT_CHANNEL = (
    "web"  # api, sample_ticket, rule, closed_ticket, ...: the customer did not write in by phone
)
SOLVED = {"solved", "closed"}
AGENT_ROLES = {"agent", "admin"}  # side-loaded users who can be assignees; end-users are customers


@dataclass(frozen=True)
class ZendeskOptions:
    """What differs between Zendesk accounts: the custom fields that hold an order number."""

    order_field_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PagePosition:
    """Where a page leaves off: the cursor (or start time) of the next request, and whether it is the end."""

    after_cursor: str | None
    end_time: int | None
    end_of_stream: bool
    has_more: bool


def page_position(page: Mapping[str, Any]) -> PagePosition:
    """Read where the next page starts, for any of the three ticket list formats."""
    meta = page.get("meta") or {}
    end_of_stream = bool(page.get("end_of_stream", False))
    # The exports say "end_of_stream"; the Tickets API says meta.has_more.
    has_more = not end_of_stream if "end_of_stream" in page else bool(meta.get("has_more", False))
    end_time = page.get("end_time")
    return PagePosition(
        after_cursor=page.get("after_cursor") or meta.get("after_cursor"),
        end_time=int(end_time) if isinstance(end_time, int | float) else None,
        end_of_stream=end_of_stream,
        has_more=has_more,
    )


def map_tickets_page(
    page: Mapping[str, Any], options: ZendeskOptions | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Return the canonical batch for one page of tickets, using whatever the page side-loads."""
    opts = options or ZendeskOptions()
    users = {u["id"]: u for u in page.get("users") or [] if isinstance(u, Mapping) and "id" in u}
    metrics: dict[Any, Mapping[str, Any]] = {}
    for key in ("metric_sets", "ticket_metrics"):
        for m in page.get(key) or []:
            if isinstance(m, Mapping) and "ticket_id" in m:
                metrics[m["ticket_id"]] = m
    tickets = [
        map_ticket(t, users=users, metrics=metrics.get(t.get("id")) or t.get("metric_set"), options=opts)
        for t in page.get("tickets") or []
    ]
    agents = [map_agent(u) for u in users.values() if u.get("role") in AGENT_ROLES]
    return {"team_members": agents, "tickets": tickets} if agents else {"tickets": tickets}


def map_agent(user: Mapping[str, Any]) -> dict[str, Any]:
    """Return what Zendesk knows of an agent as a team member (hours and role come from HotDash)."""
    record: dict[str, Any] = {
        "external_id": str(user["id"]),
        "name": str(user.get("name") or user["id"])[:200],
    }
    if user.get("email"):
        record["email"] = str(user["email"]).strip().lower()
    if isinstance(user.get("active"), bool):
        record["is_active"] = user["active"]
    return record


def map_ticket(
    ticket: Mapping[str, Any],
    *,
    users: Mapping[Any, Mapping[str, Any]] | None = None,
    metrics: Mapping[str, Any] | None = None,
    options: ZendeskOptions | None = None,
) -> dict[str, Any]:
    """Return one canonical ticket record for a Zendesk ticket."""
    opts = options or ZendeskOptions()
    tags = [str(t) for t in ticket.get("tags") or []]
    subject = (ticket.get("subject") or ticket.get("raw_subject") or "").strip()
    description = ticket.get("description") or ""
    status = STATUS.get(str(ticket.get("status")), "open")
    created_at = _time(ticket.get("created_at"))
    updated_at = _time(ticket.get("updated_at")) or created_at
    flags = rules.flags_for(tags, subject, description)
    ticket_id = ticket.get("id")
    record: dict[str, Any] = {
        "external_id": "" if ticket_id is None else str(ticket_id),
        "channel": CHANNEL.get(str((ticket.get("via") or {}).get("channel")), DEFAULT_CHANNEL),
        "subject": (subject or f"Zendesk ticket {ticket_id}")[:500],
        "category": rules.category_for(tags, subject),
        "tags": rules.tags_text(tags),
        "priority": PRIORITY.get(str(ticket.get("priority")), DEFAULT_PRIORITY),
        "status": status,
        "csat": rules.csat_from_good_bad((ticket.get("satisfaction_rating") or {}).get("score")),
        "legal_threat": flags.legal,
        "regulatory_threat": flags.regulatory,
        "is_escalated": flags.escalated,
        # Zendesk keeps no escalation time on a ticket; the flags come from words there since it was opened.
        "escalated_at": created_at if flags.escalated else None,
    }
    if created_at is None or updated_at is None:
        # Left out, not guessed: the core turns the record away with the field named, the others go on.
        return {k: v for k, v in record.items() if k != "escalated_at"}
    record.update(created_at=created_at, updated_at=updated_at)
    record.update(_sla_times(status, created_at, updated_at, metrics))
    order_number = _order_number(ticket, opts, subject, description)
    if order_number:
        record["order_number"] = order_number
    email = _requester_email(ticket, users or {})
    if email:
        record["customer_email"] = email
    if ticket.get("assignee_id") is not None:
        record["assignee_external_id"] = str(ticket["assignee_id"])
    return record


def _sla_times(
    status: str, created_at: datetime, updated_at: datetime, metrics: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return first_response_at and resolved_at: exact from ticket metrics, else what the ticket itself tells.

    Without metrics the first reply is not known (the key is left out, so a stored value stays), and a solved
    ticket's resolution is taken as its last update: exact when nothing touched it after solving.
    """
    times: dict[str, Any] = {}
    if metrics:
        reply = _minutes(metrics.get("reply_time_in_minutes"))
        if reply is not None:
            times["first_response_at"] = created_at + timedelta(minutes=reply)
        solved_at = rules.parse_time(metrics.get("solved_at"))
        full = _minutes(metrics.get("full_resolution_time_in_minutes"))
        if status in SOLVED:
            if solved_at is not None:
                times["resolved_at"] = solved_at
            elif full is not None:
                times["resolved_at"] = created_at + timedelta(minutes=full)
            else:
                times["resolved_at"] = updated_at
        else:
            times["resolved_at"] = None
        return times
    times["resolved_at"] = updated_at if status in SOLVED else None
    return times


def _minutes(value: Any) -> int | None:
    """Return calendar minutes from a metric ({"calendar": n, "business": m} or a bare number)."""
    if isinstance(value, Mapping):
        value = value.get("calendar")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def _order_number(
    ticket: Mapping[str, Any], opts: ZendeskOptions, subject: str, description: str
) -> str | None:
    """Return the linked order: a configured custom field, else a number in the subject, else the body."""
    for f in ticket.get("custom_fields") or ticket.get("fields") or []:
        if isinstance(f, Mapping) and f.get("id") in opts.order_field_ids:
            number = rules.clean_order_number(f.get("value"))
            if number:
                return number
    return rules.order_number_in(subject, description)


def _requester_email(ticket: Mapping[str, Any], users: Mapping[Any, Mapping[str, Any]]) -> str | None:
    """Return the requester's email: the side-loaded user's, else the address an email ticket came from."""
    user = users.get(ticket.get("requester_id"))
    email = user.get("email") if user else None
    if not email:
        source = (ticket.get("via") or {}).get("source") or {}
        email = (source.get("from") or {}).get("address")
    return str(email).strip().lower() if email else None


def _time(value: Any) -> datetime | None:
    """Return a parsed time, or None when it is missing or unreadable."""
    try:
        return rules.parse_time(value)
    except ValueError:
        return None


def tickets_in(
    pages: Sequence[Mapping[str, Any]], options: ZendeskOptions | None = None
) -> list[dict[str, Any]]:
    """Return the records of several pages, the newest version of a ticket winning when it appears twice.

    The time-based export can repeat a ticket across pages; the later page holds the later version.
    """
    newest: dict[str, dict[str, Any]] = {}
    for page in pages:
        for record in map_tickets_page(page, options)["tickets"]:
            old = newest.get(record["external_id"])
            if old is None or _later_or_same(record, old):
                newest[record["external_id"]] = record
    return list(newest.values())


def _later_or_same(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    if "updated_at" not in old:
        return True
    return "updated_at" in new and bool(new["updated_at"] >= old["updated_at"])
