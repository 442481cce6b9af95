"""Zendesk tickets become canonical tickets: the recorded page and pages written from Zendesk's formats."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from hotdash.store.connectors.zendesk.mapper import (
    ZendeskOptions,
    map_ticket,
    map_tickets_page,
    page_position,
    tickets_in,
)
from tests.store.connectors.helpers import load, shared


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict[str, object]]:
    page = shared("zendesk", "tickets_page.json")
    return {t["external_id"]: t for t in map_tickets_page(page)["tickets"]}


def test_every_recorded_ticket_maps_with_the_fields_a_ticket_needs(
    recorded: dict[str, dict[str, object]],
) -> None:
    assert len(recorded) == 100
    needed = {"external_id", "channel", "subject", "tags", "priority", "status", "created_at", "updated_at"}
    assert all(needed <= t.keys() for t in recorded.values())
    # The recorded account never set a priority on 99 of them: they read as normal, not as an error.
    assert Counter(t["priority"] for t in recorded.values()) == {"normal": 100}
    assert Counter(t["status"] for t in recorded.values()) == {"new": 99, "open": 1}


def test_recorded_sample_ticket_read_by_hand(recorded: dict[str, dict[str, object]]) -> None:
    sample = recorded["1"]
    assert sample["subject"] == "Sample ticket: Meet the ticket"
    assert sample["status"] == "open"
    assert sample["tags"] == "sample,support,zendesk"
    assert sample["created_at"] == at("2023-09-09T23:52:05")
    assert sample["assignee_external_id"] == "6130907993114"
    # Nothing in it names a category, an order, a threat or a rating.
    assert sample["category"] is None
    assert "order_number" not in sample
    assert sample["legal_threat"] is False
    assert sample["csat"] is None
    # Not solved, no metrics: no resolution, and the first reply is unknown rather than guessed.
    assert sample["resolved_at"] is None
    assert "first_response_at" not in sample


def test_recorded_web_and_api_tickets(recorded: dict[str, dict[str, object]]) -> None:
    web = recorded["2"]
    assert (web["channel"], web["subject"], web["status"]) == ("web", "wow this is great", "new")
    assert "assignee_external_id" not in web  # unassigned
    api = recorded["100"]
    assert api["subject"] == "test"
    assert api["created_at"] == at("2023-09-18T15:57:50")


def test_page_position_of_the_three_list_formats() -> None:
    tickets_api = page_position(shared("zendesk", "tickets_page.json"))
    assert tickets_api.has_more
    assert tickets_api.after_cursor == "eyJvIjoibmljZV9pZCIsInYiOiJhV1FBQUFBQUFBQUEifQ=="
    cursor = page_position(load("zendesk", "incremental_cursor_page.json"))
    assert (cursor.after_cursor, cursor.end_of_stream, cursor.has_more) == (
        "MTc2NDQ5MDUwMC4wfHw1MDAyfA==",
        False,
        True,
    )
    timed = page_position(load("zendesk", "incremental_time_page.json"))
    assert (timed.end_time, timed.end_of_stream, timed.has_more) == (1764501600, True, False)


@pytest.fixture(scope="module")
def cursor_page() -> dict[str, dict[str, object]]:
    batch = map_tickets_page(
        load("zendesk", "incremental_cursor_page.json"), ZendeskOptions(frozenset({360001}))
    )
    return {t["external_id"]: t for t in batch["tickets"]}


def test_sla_times_from_side_loaded_metrics_are_exact(cursor_page: dict[str, dict[str, object]]) -> None:
    wismo = cursor_page["5001"]
    assert wismo["first_response_at"] == at("2026-11-28T14:49:11")  # created + 47 minutes
    assert wismo["resolved_at"] == at("2026-11-29T09:35:00")  # solved_at, not the later update
    held = cursor_page["5003"]
    assert held["first_response_at"] == at("2026-11-29T16:12:00")
    assert held["resolved_at"] is None


def test_vocabulary_tags_category_and_csat(cursor_page: dict[str, dict[str, object]]) -> None:
    wismo, refund, damaged = cursor_page["5001"], cursor_page["5002"], cursor_page["5003"]
    assert (wismo["status"], wismo["priority"], wismo["channel"]) == ("solved", "high", "email")
    assert (damaged["status"], damaged["priority"], damaged["channel"]) == ("on_hold", "normal", "chat")
    assert wismo["category"] == "wismo"
    assert wismo["tags"] == "where_is_my_order,carrier_delay"
    # The cause outranks the remedy: damaged and refund is damaged; tags compare case-insensitively.
    assert damaged["category"] == "damaged"
    assert refund["category"] == "billing"
    assert (wismo["csat"], damaged["csat"], refund["csat"]) == (5, 1, None)  # good, bad, offered


def test_side_loaded_agents_become_team_members_and_end_users_do_not() -> None:
    batch = map_tickets_page(load("zendesk", "incremental_cursor_page.json"))
    assert batch["team_members"] == [
        {"external_id": "7001", "name": "Sam Agent", "email": "sam@acme.example"}
    ]
    assert "team_members" not in map_tickets_page(shared("zendesk", "tickets_page.json"))


def test_links_to_order_and_customer(cursor_page: dict[str, dict[str, object]]) -> None:
    wismo, refund = cursor_page["5001"], cursor_page["5002"]
    assert wismo["order_number"] == "#1042"  # from the subject
    assert refund["order_number"] == "#2077"  # from the configured custom field
    assert wismo["customer_email"] == "dana.wells@example.com"
    assert refund["customer_email"] == "lee.park@example.com"
    assert "customer_email" not in cursor_page["5003"]  # requester not side-loaded, not an email ticket
    assert wismo["assignee_external_id"] == "7001"


def test_legal_and_regulatory_threats_raise_flags_and_escalate(
    cursor_page: dict[str, dict[str, object]],
) -> None:
    refund = cursor_page["5002"]
    assert refund["legal_threat"] is True
    assert refund["regulatory_threat"] is True
    assert refund["is_escalated"] is True
    assert refund["escalated_at"] == refund["created_at"]
    assert cursor_page["5001"]["legal_threat"] is False
    assert cursor_page["5001"]["is_escalated"] is False


def test_time_based_page_without_side_loads_and_a_repeated_ticket() -> None:
    cursor = load("zendesk", "incremental_cursor_page.json")
    timed = load("zendesk", "incremental_time_page.json")
    records = {t["external_id"]: t for t in tickets_in([cursor, timed])}
    assert sorted(records) == ["5001", "5002", "5003", "5004"]
    damaged = records["5003"]  # the later page's version wins
    assert (damaged["status"], damaged["priority"]) == ("closed", "low")
    # No metrics on that page: a closed ticket's resolution is its last update (approximate, documented).
    assert damaged["resolved_at"] == at("2026-11-30T10:05:00")
    assert "first_response_at" not in damaged
    deleted = records["5004"]
    assert (deleted["status"], deleted["channel"], deleted["category"]) == (
        "closed",
        "phone",
        "cancel_request",
    )
    # A bank dispute escalates but is neither a legal nor a regulatory threat.
    assert deleted["is_escalated"] is True
    assert deleted["legal_threat"] is False


def test_order_number_from_the_body_when_no_field_is_configured() -> None:
    batch = map_tickets_page(load("zendesk", "incremental_cursor_page.json"))
    refund = next(t for t in batch["tickets"] if t["external_id"] == "5002")
    assert refund["order_number"] == "#2077"  # "order 2077" in the description


def test_a_broken_ticket_is_left_for_the_core_to_reject_and_the_rest_map() -> None:
    page = {
        "tickets": [{"id": 1, "created_at": "yesterday"}, {"id": 2, "created_at": "2026-11-30T10:00:00Z"}]
    }
    broken, fine = map_tickets_page(page)["tickets"]
    assert "created_at" not in broken
    assert broken["external_id"] == "1"
    assert fine["created_at"] == at("2026-11-30T10:00:00")
    assert fine["subject"] == "Zendesk ticket 2"


def test_assignee_and_requester_ids_are_strings() -> None:
    record = map_ticket({"id": 9, "created_at": "2026-11-30T10:00:00Z", "assignee_id": 12, "requester_id": 3})
    assert record["assignee_external_id"] == "12"
    assert record["external_id"] == "9"
