"""Chatwoot conversations become canonical tickets.

The payloads are written from Chatwoot's published formats (see fixtures/chatwoot/README.md), not recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotdash.store.connectors.chatwoot.mapper import (
    UnsupportedEvent,
    map_conversations_page,
    map_webhook,
)
from tests.store.connectors.helpers import load


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def one(name: str) -> dict[str, object]:
    (record,) = map_webhook(load("chatwoot", name))["tickets"]
    return record


def test_conversation_created_is_a_new_ticket_with_category_order_and_customer() -> None:
    ticket = one("conversation_created.json")
    assert ticket["external_id"] == "412"
    assert (ticket["status"], ticket["priority"], ticket["channel"]) == ("open", "normal", "chat")
    assert ticket["subject"] == "Conversation #412 with Dana Wells"
    assert ticket["category"] == "wismo"
    assert ticket["tags"] == "where_is_my_order"
    assert ticket["created_at"] == at("2025-12-01T08:40:00")
    assert ticket["first_response_at"] is None
    assert ticket["resolved_at"] is None
    assert ticket["order_number"] == "#1042"  # written in the customer's first message
    assert ticket["customer_email"] == "dana.wells@example.com"
    assert ticket["assignee_external_id"] is None  # unassigned
    assert "legal_threat" not in ticket  # nothing raised: the stored (or default) flags stay


def test_first_agent_reply_gives_the_first_response_time() -> None:
    ticket = one("message_created_outgoing.json")
    assert ticket["first_response_at"] == at("2025-12-01T08:52:30")
    assert ticket["assignee_external_id"] == "21"
    assert ticket["priority"] == "high"


def test_the_assigned_agent_comes_with_the_ticket() -> None:
    batch = map_webhook(load("chatwoot", "message_created_outgoing.json"))
    assert batch["team_members"] == [{"external_id": "21", "name": "Sam Agent"}]
    assert "team_members" not in map_webhook(load("chatwoot", "conversation_created.json"))


def test_a_customer_threat_in_a_message_raises_the_regulatory_flag() -> None:
    ticket = one("message_created_incoming_threat.json")
    assert ticket["regulatory_threat"] is True
    assert ticket["is_escalated"] is True
    assert "legal_threat" not in ticket
    assert ticket["escalated_at"] == at("2025-12-01T08:40:00")
    # An incoming message does not move the first response; Chatwoot's own first_reply_created_at is kept.
    assert ticket["first_response_at"] == at("2025-12-01T08:52:30")


def test_status_change_to_resolved_gives_an_exact_resolution_time() -> None:
    ticket = one("conversation_status_changed.json")
    assert ticket["status"] == "solved"
    assert ticket["resolved_at"] == datetime.fromtimestamp(1764586800.75, UTC)
    assert ticket["tags"] == "where_is_my_order,vip"


def test_a_later_update_of_a_resolved_conversation_leaves_the_resolution_time_alone() -> None:
    ticket = one("conversation_updated_labels.json")
    assert ticket["status"] == "solved"
    assert "resolved_at" not in ticket
    assert ticket["tags"] == "where_is_my_order,vip,followed_up"


def test_submitted_survey_gives_the_csat_rating() -> None:
    assert one("message_updated_csat.json")["csat"] == 4


def test_legacy_payload_without_created_at_labels_or_first_reply() -> None:
    ticket = one("conversation_status_changed_legacy.json")
    assert ticket["external_id"] == "77"
    assert (ticket["status"], ticket["channel"]) == ("pending", "email")
    assert ticket["subject"] == "Refund for order #2077 - my attorney is involved"
    assert ticket["order_number"] == "#2077"
    assert ticket["category"] == "billing"
    assert ticket["legal_threat"] is True
    # No created_at in this shape: the earliest message in the payload stands in (approximate, documented).
    assert ticket["created_at"] == at("2025-11-30T18:00:00")
    assert "first_response_at" not in ticket  # the payload does not say, so the stored value stays


def test_conversations_api_page() -> None:
    tickets = {
        t["external_id"]: t
        for t in map_conversations_page(load("chatwoot", "conversations_page.json"))["tickets"]
    }
    resolved, snoozed = tickets["412"], tickets["413"]
    assert resolved["first_response_at"] == at("2025-12-01T08:52:30")
    # No status change in a list: the last activity is the resolution estimate.
    assert resolved["resolved_at"] == at("2025-12-01T11:00:00")
    assert resolved["order_number"] == "#1042"  # from the custom attribute
    assert resolved["assignee_external_id"] == "21"
    assert resolved["channel"] == "chat"
    assert (snoozed["status"], snoozed["priority"], snoozed["channel"]) == ("on_hold", "normal", "email")
    assert snoozed["first_response_at"] is None  # 0 means no reply yet
    assert snoozed["category"] == "wrong_item"
    assert "customer_email" not in snoozed
    assert "assignee_external_id" not in snoozed  # the list leaves assignee out when there is none


def test_private_notes_and_unknown_events() -> None:
    note = load("chatwoot", "message_created_outgoing.json") | {"private": True}
    assert map_webhook(note) == {"tickets": []}
    with pytest.raises(UnsupportedEvent):
        map_webhook({"event": "contact_created", "id": 1})
