"""The shared helpdesk rules: the documented keyword lists flag what they say and nothing they should not."""

from __future__ import annotations

import pytest

from hotdash.store.connectors import ticket_rules as rules


@pytest.mark.parametrize(
    "text",
    [
        "I have spoken to my lawyer",
        "My attorney will contact you",
        "I will sue you",
        "We are suing",
        "this is going to small claims",
        "I'm considering legal action",
        "a lawsuit is coming",
        "I'll take you to court",
    ],
)
def test_legal_words_flag_a_legal_threat(text: str) -> None:
    flags = rules.flags_for([], text)
    assert flags.legal
    assert flags.escalated
    assert not flags.regulatory


@pytest.mark.parametrize(
    "text",
    [
        "Reporting you to the BBB",
        "the Better Business Bureau will hear of this",
        "complaint to the FTC",
        "I wrote to the Attorney General",
        "this breaks GDPR",
        "my CCPA rights",
        "consumer protection agency",
        "contacting Trading Standards",
        "I'll go to the ombudsman",
        "the CFPB",
    ],
)
def test_regulator_words_flag_a_regulatory_threat(text: str) -> None:
    flags = rules.flags_for([], text)
    assert flags.regulatory
    assert flags.escalated


def test_attorney_general_is_a_regulator_not_a_private_attorney() -> None:
    flags = rules.flags_for([], "I wrote to the attorney general")
    assert flags.regulatory
    assert not flags.legal


@pytest.mark.parametrize(
    "text",
    ["There is an issue with my order", "Suede boots", "pursue a refund", "courtesy call", "the courthouse"],
)
def test_ordinary_words_raise_no_flag(text: str) -> None:
    flags = rules.flags_for([], text)
    assert not flags.legal
    assert not flags.regulatory
    assert not flags.escalated


def test_the_name_sue_is_a_known_false_positive() -> None:
    # Documented in docs/connectors/helpdesks.md: a whole-word "sue" is read as a threat, even as a name.
    assert rules.flags_for([], "Order for Sue Smith").legal


def test_tags_raise_flags_too() -> None:
    assert rules.flags_for(["Legal-Threat"]).legal
    assert rules.flags_for(["BBB"]).regulatory
    chargeback = rules.flags_for(["chargeback"])
    assert chargeback.escalated
    assert not chargeback.legal
    assert not chargeback.regulatory


def test_every_category_tag_in_the_table_gives_its_category() -> None:
    for category, tags in rules.CATEGORY_TAGS.items():
        for tag in tags:
            assert rules.category_for([tag.upper().replace("_", "-")]) == category


@pytest.mark.parametrize(
    ("subject", "category"),
    [
        ("Where is my order #1042?", "wismo"),
        ("Tracking not updating", "wismo"),
        ("Item arrived damaged", "damaged"),
        ("Wrong size received", "wrong_item"),
        ("How do I return this?", "return_request"),
        ("Please cancel order 1001", "cancel_request"),
        ("Charged twice", "billing"),
        ("General question", None),
    ],
)
def test_subject_phrases_give_a_category_when_no_tag_does(subject: str, category: str | None) -> None:
    assert rules.category_for([], subject) == category


@pytest.mark.parametrize(
    ("texts", "number"),
    [
        (("Where is #1042?",), "#1042"),
        (("order 2077 is late",), "#2077"),
        (("Order No. 3001",), "#3001"),
        (("order number #45678",), "#45678"),
        (("I have 2 items", "see #12"), None),  # too short to be an order number
        ((None, "second text #1500"), "#1500"),
    ],
)
def test_order_numbers_in_text(texts: tuple[str | None, ...], number: str | None) -> None:
    assert rules.order_number_in(*texts) == number


def test_csat_scales() -> None:
    assert [rules.csat_from_good_bad(s) for s in ("good", "bad", "offered", None)] == [5, 1, None, None]
    assert [rules.csat_from_rating(r) for r in (1, 5, "4", 0, 6, 3.5, True, None)] == [
        1,
        5,
        4,
        None,
        None,
        None,
        None,
        None,
    ]


def test_tags_text_keeps_order_and_drops_duplicates_and_commas() -> None:
    assert rules.tags_text(["b", "a", "b", "x,y", " "]) == "b,a,x y"
