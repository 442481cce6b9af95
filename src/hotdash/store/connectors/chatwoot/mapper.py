"""Chatwoot payloads to canonical tickets: one ticket per conversation.

Reads the webhook events (`conversation_created`, `conversation_status_changed`, `conversation_updated`,
the older `conversation_opened`/`conversation_resolved`, `message_created`, `message_updated`) and a page of
the conversations API (`GET /api/v1/accounts/{id}/conversations`: `data.meta`, `data.payload[]`). A webhook
carries one state of one conversation, not its whole history, so a record leaves out what that event cannot
know (absent keys keep what is stored). Pure functions: no database, no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hotdash.store.connectors import ticket_rules as rules

SOURCE_KIND = "chatwoot"

CONVERSATION_EVENTS = frozenset(
    {
        "conversation_created",
        "conversation_status_changed",
        "conversation_updated",
        "conversation_opened",
        "conversation_resolved",
    }
)
MESSAGE_EVENTS = frozenset({"message_created", "message_updated"})
STATUS = {"open": "open", "pending": "pending", "snoozed": "on_hold", "resolved": "solved"}
PRIORITY = {"low": "low", "medium": "normal", "high": "high", "urgent": "urgent"}
DEFAULT_PRIORITY = "normal"  # Chatwoot conversations have no priority until an agent sets one
CHANNEL = {
    "Channel::Email": "email",
    "Channel::WebWidget": "chat",
    "Channel::Api": "chat",
    "Channel::Sms": "chat",
    "Channel::TwilioSms": "chat",
    "Channel::Telegram": "social",
    "Channel::Line": "social",
    "Channel::Whatsapp": "social",
    "Channel::FacebookPage": "social",
    "Channel::Instagram": "social",
    "Channel::TwitterProfile": "social",
    "Channel::Voice": "phone",
}
DEFAULT_CHANNEL = "chat"
# Message types: webhooks name them, the conversation's `messages[]` and the API number them.
INCOMING, OUTGOING = ("incoming", 0), ("outgoing", 1)
ORDER_ATTRIBUTES = ("order_number", "order_id", "order", "shopify_order", "order_name")


class UnsupportedEvent(ValueError):
    """The payload is a Chatwoot event HotDash does not map (e.g. contact_created, webwidget_triggered)."""


def map_webhook(payload: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Return the canonical batch for one webhook delivery."""
    event = payload.get("event")
    if event in CONVERSATION_EVENTS:
        return _with_agents([map_conversation(payload, event=str(event))], [payload])
    if event in MESSAGE_EVENTS:
        record = map_message(payload)
        return _with_agents([record] if record else [], [payload.get("conversation") or {}] if record else [])
    raise UnsupportedEvent(f"Chatwoot event {event!r} is not mapped")


def _with_agents(
    tickets: list[dict[str, Any]], conversations: list[Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Return the batch of these tickets and the agents assigned to them (see connectors.agents)."""
    agents: dict[str, dict[str, Any]] = {}
    for conversation in conversations:
        assignee = (conversation.get("meta") or {}).get("assignee") or {}
        if assignee.get("id") is not None and assignee.get("type", "user") == "user":
            agent: dict[str, Any] = {"external_id": str(assignee["id"])}
            agent["name"] = str(assignee.get("name") or assignee.get("available_name") or assignee["id"])[
                :200
            ]
            if assignee.get("email"):
                agent["email"] = str(assignee["email"]).strip().lower()
            agents[agent["external_id"]] = agent
    return {"team_members": list(agents.values()), "tickets": tickets} if agents else {"tickets": tickets}


def map_conversations_page(page: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Return the canonical batch for one page of the conversations API."""
    data = page.get("data") or {}
    conversations = [c for c in data.get("payload") or [] if isinstance(c, Mapping)]
    return _with_agents([map_conversation(c) for c in conversations], conversations)


def conversation_id(conversation: Mapping[str, Any]) -> str:
    """Return the conversation's number as agents see it (display_id), which the API also calls `id`.

    Some Chatwoot versions put the table id in a webhook's `id` and the display id in `display_id`; the
    display id is the one every API route and the conversations list use, so it is the external id.
    """
    value = conversation.get("display_id", conversation.get("id"))
    return "" if value is None else str(value)


def map_conversation(conversation: Mapping[str, Any], *, event: str | None = None) -> dict[str, Any]:
    """Return one ticket record for a conversation payload (webhook body or API list item)."""
    meta = conversation.get("meta") or {}
    attributes = conversation.get("additional_attributes") or {}
    labels = [str(label) for label in conversation.get("labels") or []]
    number = conversation_id(conversation)
    sender = meta.get("sender") or {}
    status = STATUS.get(str(conversation.get("status")), "open")
    mail_subject = str(attributes.get("mail_subject") or "").strip()
    texts = [mail_subject, *[_content(m) for m in conversation.get("messages") or [] if _is_incoming(m)]]
    created_at = _time(conversation.get("created_at")) or _first_message_time(conversation)
    updated_at = _time(conversation.get("updated_at")) or _time(conversation.get("timestamp")) or created_at
    record: dict[str, Any] = {
        "external_id": number,
        "channel": CHANNEL.get(str(conversation.get("channel") or meta.get("channel")), DEFAULT_CHANNEL),
        "subject": _subject(number, mail_subject, sender),
        "tags": rules.tags_text(labels),
        "priority": PRIORITY.get(str(conversation.get("priority")), DEFAULT_PRIORITY),
        "status": status,
    }
    if created_at is not None:
        record["created_at"] = created_at
    if updated_at is not None:
        record["updated_at"] = updated_at
    category = rules.category_for(labels, " ".join(texts))
    if category:
        record["category"] = category
    if "first_reply_created_at" in conversation:
        # Set by Chatwoot itself at the first agent reply: exact. 0 or null means no reply yet.
        record["first_response_at"] = _time(conversation.get("first_reply_created_at"))
    record.update(_resolution(conversation, status, event, updated_at))
    record.update(_flag_fields(labels, texts, created_at))
    order_number = _order_number(conversation.get("custom_attributes") or {}, texts)
    if order_number:
        record["order_number"] = order_number
    if sender.get("email"):
        record["customer_email"] = str(sender["email"]).strip().lower()
    assignee = meta.get("assignee") or {}
    if assignee.get("id") is not None and assignee.get("type", "user") == "user":
        record["assignee_external_id"] = str(assignee["id"])
    elif "assignee" in meta:
        record["assignee_external_id"] = None
    return record


def map_message(message: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the ticket of a message's conversation, with what the message adds, or None for a private note.

    The message payload embeds its conversation, so the record is complete even when no conversation event
    came first. An agent's public reply gives the first response time (the inbound processor keeps the
    earliest one stored); a customer's message may carry an order number or a threat; a submitted survey
    gives the rating.
    """
    conversation = message.get("conversation") or {}
    if message.get("private"):
        return None
    event = str(message.get("event") or "")
    if conversation:
        record = map_conversation(conversation, event=event)
    else:
        record = {"external_id": str(message.get("conversation_id") or "")}
    sent_at = _time(message.get("created_at"))
    kind = message.get("message_type")
    text = _content(message)
    if kind in OUTGOING and event == "message_created" and sent_at is not None:
        record["first_response_at"] = _time(conversation.get("first_reply_created_at")) or sent_at
    if kind in INCOMING and text:
        record.update(_flag_fields([], [text], record.get("created_at")))
        order_number = rules.order_number_in(text)
        if order_number and "order_number" not in record:
            record["order_number"] = order_number
        if "category" not in record:
            category = rules.category_for([], text)
            if category:
                record["category"] = category
    rating = _csat(message)
    if rating is not None:
        record["csat"] = rating
    return record


def _resolution(
    conversation: Mapping[str, Any], status: str, event: str | None, updated_at: datetime | None
) -> dict[str, Any]:
    """Return resolved_at when this payload tells it.

    A status change to resolved is exact (the conversation's update time). A resolved conversation seen any
    other way (an API page, a later label change) says nothing new about when it was resolved, so on a webhook
    the key is left out; on an API page its last activity is the best estimate there is.
    """
    if status != "solved":
        return {"resolved_at": None}
    changed = _changed(conversation, "status")
    if changed is not None and changed.get("current_value") == "resolved":
        return {"resolved_at": updated_at}
    if event == "conversation_resolved":
        return {"resolved_at": updated_at}
    if event is None:
        return {"resolved_at": _time(conversation.get("last_activity_at")) or updated_at}
    return {}


def _flag_fields(labels: list[str], texts: list[str], created_at: datetime | None) -> dict[str, Any]:
    """Return the flag columns a payload raises, and only those.

    No Chatwoot payload holds every message of a conversation, so none can tell that a threat made earlier was
    not made: flags are raised, never lowered (on insert they default to false).
    """
    flags = rules.flags_for(labels, *texts)
    fields: dict[str, Any] = {}
    if flags.legal:
        fields["legal_threat"] = True
    if flags.regulatory:
        fields["regulatory_threat"] = True
    if flags.escalated:
        fields["is_escalated"] = True
        if created_at is not None:
            fields["escalated_at"] = created_at
    return fields


def _order_number(custom: Mapping[str, Any], texts: list[str]) -> str | None:
    for key in ORDER_ATTRIBUTES:
        number = rules.clean_order_number(custom.get(key))
        if number:
            return number
    return rules.order_number_in(*texts)


def _csat(message: Mapping[str, Any]) -> int | None:
    attributes = message.get("content_attributes") or {}
    submitted = attributes.get("submitted_values") or {}
    if not isinstance(submitted, Mapping):
        return None
    response = submitted.get("csat_survey_response") or {}
    return rules.csat_from_rating(response.get("rating")) if isinstance(response, Mapping) else None


def _subject(number: str, mail_subject: str, sender: Mapping[str, Any]) -> str:
    """Return a subject that stays the same for every event of the conversation."""
    if mail_subject:
        return mail_subject[:500]
    name = str(sender.get("name") or "").strip()
    return (f"Conversation #{number} with {name}" if name else f"Conversation #{number}")[:500]


def _changed(conversation: Mapping[str, Any], attribute: str) -> Mapping[str, Any] | None:
    for change in conversation.get("changed_attributes") or []:
        if isinstance(change, Mapping) and isinstance(change.get(attribute), Mapping):
            value: Mapping[str, Any] = change[attribute]
            return value
    return None


def _first_message_time(conversation: Mapping[str, Any]) -> datetime | None:
    times = [_time(m.get("created_at")) for m in conversation.get("messages") or [] if isinstance(m, Mapping)]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _is_incoming(message: Any) -> bool:
    return (
        isinstance(message, Mapping)
        and message.get("message_type") in INCOMING
        and not message.get("private")
    )


def _content(message: Mapping[str, Any]) -> str:
    return str(message.get("content") or "")


def _time(value: Any) -> datetime | None:
    try:
        return rules.parse_time(value)
    except ValueError:
        return None
