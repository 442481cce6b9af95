"""The canonical record of every entity: the fields a source may send, their types, which are required, why.

These models are the single description of the record format. `upsert_batch` validates with them, the file
importer parses text columns into their types, and docs/import.md is generated from them.

"Required" means required to create a record. On update a missing key means "unknown: keep what is stored", so
validation of an existing record uses the *patch* form of the model (`patch_model`), where every field may be
absent but whatever is present must still be valid (a non-nullable field cannot be set to null).

Foreign keys are given as the referenced record's external id in the same source (`<name>_external_id`).
The customer's lifetime figures (first_order_at, orders_count, total_spent) are not part of the record:
HotDash derives them from the orders and refunds it holds, so they agree with what the dashboard counts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    create_model,
)
from pydantic_core import PydanticUndefined

# Dates outside this range are typing mistakes (year 20256, 1/1/0001 placeholders), not business events.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
INT32 = 2**31 - 1


def _no_nul(value: str) -> str:
    # Neither database can store NUL or a lone surrogate (JSON's "\ud800"); refusing them here keeps one bad
    # value from failing the whole batch.
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "contains a character that is not valid Unicode text (a lone surrogate)"
            ) from None
    return value


def _plausible_day(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"date {value.isoformat()} is outside {EARLIEST.year}..{LATEST.year}")
    return value


def _plausible_moment(value: datetime) -> datetime:
    # Check before converting: datetime(1, 1, 1, tzinfo=+05:00) cannot even be moved to UTC.
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(f"time {value.isoformat()} is outside {EARLIEST.year}..{LATEST.year}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class DecimalRule:
    """A decimal column's places, total digits and bounds; the file importer's columnar path reads it too."""

    places: int
    digits: int
    low: int | None = None
    high: int | None = None

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    @property
    def limit(self) -> Decimal:
        return Decimal(10) ** (self.digits - self.places)

    def exact(self, value: Decimal, quantum: Decimal, limit: Decimal) -> Decimal | None:
        """The common case, kept short: a finite Decimal the column holds, rounded; else None."""
        if value.is_finite() and value.adjusted() < self.digits - self.places:
            rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
            if (
                -limit < rounded < limit
                and (self.low is None or self.low <= rounded)
                and (self.high is None or rounded <= self.high)
            ):
                return rounded
        return None


def _decimal(places: int, digits: int, low: int | None = None, high: int | None = None) -> Any:
    """Accept an exact number, round it to the column's places (half up), refuse what the column cannot hold.

    In Python a Decimal or an int is exact; a float is refused (binary floats are not exact money). In JSON a
    number or a numeric string is read as written.
    """
    rule = DecimalRule(places, digits, low, high)
    quantum = rule.quantum
    limit = rule.limit

    def check(value: Any, info: ValidationInfo) -> Decimal:
        if type(value) is Decimal:
            # The common case: this runs for every amount of every record.
            common = rule.exact(value, quantum, limit)
            if common is not None:
                return common
        if isinstance(value, bool):
            raise ValueError("must be a number, not a boolean")
        if isinstance(value, int) or (info.mode == "json" and isinstance(value, float | str)):
            try:
                value = Decimal(str(value).strip())
            except InvalidOperation:
                raise ValueError(f"{value!r} is not a number") from None
        if not isinstance(value, Decimal):
            raise ValueError(f"must be a Decimal or an int, not {type(value).__name__}")
        if not value.is_finite():
            raise ValueError("must be a finite number")
        try:
            rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            rounded = limit
        if abs(rounded) >= limit:
            raise ValueError(f"must be less than {limit} in absolute value")
        if (low is not None and rounded < low) or (high is not None and rounded > high):
            raise ValueError(f"must be between {low} and {high}")
        return rounded

    # The rule rides along as metadata pydantic ignores, so the columnar path finds the same numbers.
    return (rule, PlainValidator(check, json_schema_input_type=Decimal))


Text = Annotated[str, AfterValidator(_no_nul)]
Moment = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]
Day = Annotated[date, AfterValidator(_plausible_day)]
Money = Annotated[Decimal, *_decimal(2, 14)]
Rate = Annotated[Decimal, *_decimal(4, 5, 0, 1)]
Minutes = Annotated[Decimal, *_decimal(2, 8)]
Score = Annotated[Decimal, *_decimal(2, 3, 0, 5)]
Int = Annotated[int, Field(ge=-INT32 - 1, le=INT32)]
Count = Annotated[int, Field(ge=0, le=INT32)]


def s(length: int | None, help_text: str, default: Any = PydanticUndefined) -> Any:
    """A text field of at most `length` characters (None: unlimited)."""
    return Field(default, max_length=length, description=help_text)


def ref(target: str, help_text: str = "", default: Any = PydanticUndefined) -> Any:
    """A reference to another record by its external id in the same source."""
    extra = f"; {help_text}" if help_text else ""
    return Field(default, min_length=1, max_length=128, description=f"external id of the {target}{extra}")


def f(help_text: str, default: Any = PydanticUndefined) -> Any:
    """Any other field, with its help text."""
    return Field(default, description=help_text)


class Record(BaseModel):
    """What every canonical record carries: its id in the source."""

    model_config = ConfigDict(strict=True, extra="forbid")

    external_id: Text = Field(min_length=1, max_length=128, description="the record's id in its source")


class SupplierRecord(Record):
    name: Text = s(200, "the supplier's name")
    contact_email: Text | None = s(255, "where purchase orders go", default=None)
    lead_time_days: Count = f("days from purchase order to stock on hand")
    on_time_rate: Rate = Field(description="share of purchase orders on time, 0..1")
    rush_fee: Money | None = f("typical fee to expedite one shipment", default=None)


class ProductRecord(Record):
    title: Text = s(255, "the product's title")
    handle: Text | None = s(255, "URL handle", default=None)
    product_type: Text | None = s(120, "the merchant's product type", default=None)
    vendor: Text | None = s(200, "brand or vendor", default=None)
    tags: Text = s(None, "comma-separated tags", default="")
    status: Text = Field("active", max_length=16, description="active, draft or archived")
    created_at: Moment = f("when the product was created")
    updated_at: Moment = f("last change in the source; an older value never overwrites a newer one")


class SkuRecord(Record):
    product_external_id: Text = ref("product")
    supplier_external_id: Text | None = ref("supplier", "who it is reordered from", default=None)
    sku: Text = s(64, "the merchant's SKU code")
    title: Text = s(255, "the variant's title")
    price: Money = f("selling price")
    unit_cost: Money | None = f("what one unit costs us", default=None)
    tags: Text = s(None, "comma-separated tags", default="")
    is_active: bool = f("still sold", default=True)
    created_at: Moment = f("when the SKU was created")
    updated_at: Moment = f("last change in the source; an older value never overwrites a newer one")


class LocationRecord(Record):
    name: Text = s(200, "the location's name")
    kind: Text = s(16, "warehouse, 3pl or retail")
    country: Text | None = s(2, "ISO 3166 country code", default=None)
    region: Text | None = s(64, "state or region", default=None)
    timezone: Text = s(64, "IANA timezone, e.g. Europe/Paris")
    is_active: bool = f("still holds stock", default=True)


class InventoryLevelRecord(Record):
    sku_external_id: Text = ref("SKU", "with location, the level's natural key")
    location_external_id: Text = ref("location")
    on_hand: Int = f("units physically there")
    available: Int = f("on hand less committed to open orders")
    incoming: Int = f("units on open purchase orders", default=0)
    incoming_eta: Moment | None = f("when the incoming units are expected", default=None)
    updated_at: Moment = f("last change in the source; an older value never overwrites a newer one")


class TeamMemberRecord(Record):
    name: Text = s(200, "the person's name")
    email: Text | None = s(255, "work email", default=None)
    role: Text = s(24, "support, sales, warehouse, lead or manager")
    team: Text = s(64, "the team they belong to")
    is_active: bool = f("still on the team", default=True)
    hired_on: Day | None = f("first working day", default=None)
    timezone: Text = s(64, "IANA timezone of their working hours")
    work_start: time = f("local start of the working day")
    work_end: time = f("local end of the working day")
    work_days: Text = s(16, "ISO weekdays worked, e.g. 12345")
    target_first_response_minutes: Minutes | None = f("personal first-response target", default=None)
    target_quality: Rate | None = Field(None, description="QA score target, 0..1")
    target_csat: Score | None = Field(None, description="satisfaction target, 1..5")
    target_escalation_rate: Rate | None = Field(None, description="escalation rate ceiling, 0..1")
    target_tickets_per_day: Count | None = f("tickets solved per day", default=None)
    target_revenue_monthly: Money | None = f("monthly sales target of a sales rep", default=None)
    created_at: Moment = f("when they joined HotDash's records")


class CustomerRecord(Record):
    email: Text | None = s(255, "email address; tickets are linked to customers by it", default=None)
    name: Text | None = s(200, "the customer's name", default=None)
    country: Text | None = s(2, "ISO 3166 country code", default=None)
    is_vip: bool = f("treated as VIP", default=False)
    tags: Text = s(None, "comma-separated tags", default="")
    created_at: Moment = f("when the customer was created")
    updated_at: Moment = f("last change in the source; an older value never overwrites a newer one")


class OrderRecord(Record):
    customer_external_id: Text | None = ref("customer", default=None)
    location_external_id: Text | None = ref("location", "assigned to fulfil the order", default=None)
    staff_external_id: Text | None = ref("team member", "the sales rep of a phone or POS order", default=None)
    number: Text = s(32, 'the name customers see, e.g. "#1042"')
    channel: Text = s(32, "web, pos, marketplace, draft, ...")
    landing_page: Text | None = s(512, "first page of the visit that ordered", default=None)
    currency: Text = Field(min_length=3, max_length=3, description="ISO 4217 currency code")
    subtotal: Money = f("sum of the lines before discounts")
    discount_total: Money = f("order-level discounts", default=Decimal("0"))
    shipping_total: Money = f("shipping charged", default=Decimal("0"))
    tax_total: Money = f("taxes charged", default=Decimal("0"))
    total: Money = f("what the customer pays")
    financial_status: Text = s(24, "pending, authorized, paid, partially_refunded, refunded, voided")
    fulfillment_status: Text = s(24, "unfulfilled, partial, fulfilled, delivered, cancelled")
    tags: Text = s(None, "comma-separated tags", default="")
    placed_at: Moment = f("when the order was placed")
    ship_by: Moment | None = f("promised ship-by time", default=None)
    deliver_by: Moment | None = f("promised delivery time", default=None)
    fulfilled_at: Moment | None = f("when it shipped", default=None)
    cancelled_at: Moment | None = f(
        "when it was cancelled; cancelled orders do not count as sales", default=None
    )
    cancel_reason: Text | None = s(64, "why it was cancelled", default=None)
    updated_at: Moment = f("last change in the source; an older value never overwrites a newer one")


class OrderLineRecord(Record):
    order_external_id: Text = ref("order")
    sku_external_id: Text | None = ref("SKU", default=None)
    title: Text = s(255, "the line's title")
    quantity: Count = f("units ordered")
    unit_price: Money = f("price of one unit")
    discount: Money = f("discount on the line", default=Decimal("0"))
    total: Money = f("quantity x unit price less discount")


class RefundRecord(Record):
    order_external_id: Text = ref("order")
    amount: Money = f("money going back")
    currency: Text = Field(min_length=3, max_length=3, description="ISO 4217 currency code")
    reason: Text = s(64, "why, e.g. damaged, late, changed_mind")
    note: Text | None = s(None, "free text", default=None)
    status: Text = s(16, "requested, approved, rejected, processed")
    requested_at: Moment = f("when it was asked for")
    processed_at: Moment | None = f("when the money left", default=None)


class ReturnRecord(Record):
    order_external_id: Text = ref("order")
    order_line_external_id: Text | None = ref("order line", default=None)
    refund_external_id: Text | None = ref("refund", default=None)
    quantity: Count = f("units coming back")
    reason: Text = s(64, "why")
    status: Text = s(16, "requested, in_transit, received, restocked, rejected")
    requested_at: Moment = f("when it was asked for")
    received_at: Moment | None = f("when the goods arrived", default=None)


class ShipmentRecord(Record):
    order_external_id: Text = ref("order")
    location_external_id: Text | None = ref("location", "it left from", default=None)
    carrier: Text | None = s(64, "carrier name", default=None)
    service: Text | None = s(64, "carrier service level", default=None)
    tracking_number: Text | None = s(128, "carrier tracking number", default=None)
    tracking_url: Text | None = s(512, "tracking page", default=None)
    status: Text = s(24, "label_created, in_transit, out_for_delivery, delivered, exception, returned")
    shipped_at: Moment | None = f("when it left", default=None)
    estimated_delivery_at: Moment | None = f("carrier's estimate", default=None)
    delivered_at: Moment | None = f("when it arrived", default=None)
    last_event_at: Moment | None = f("time of the latest carrier scan", default=None)
    updated_at: Moment = f("last change in the source; an older value never overwrites a newer one")


class TrackingEventRecord(Record):
    shipment_external_id: Text = ref("shipment")
    occurred_at: Moment = f("when the scan happened")
    status: Text = s(24, "status after the scan")
    description: Text | None = s(None, "carrier's text", default=None)
    city: Text | None = s(120, "where", default=None)


class TicketRecord(Record):
    customer_external_id: Text | None = ref("customer", default=None)
    order_external_id: Text | None = ref("order", default=None)
    assignee_external_id: Text | None = ref("team member", "who owns it", default=None)
    customer_email: Text | None = s(
        255, "links the ticket to the store's customer with this email", default=None
    )
    order_number: Text | None = s(
        32, 'links the ticket to the store\'s order with this number, e.g. "#1042"', default=None
    )
    channel: Text = s(24, "email, chat, phone, social, web")
    subject: Text = s(500, "subject line")
    category: Text | None = s(64, "the main reason, e.g. wismo, damaged", default=None)
    tags: Text = s(None, "comma-separated tags", default="")
    priority: Text = s(16, "low, normal, high, urgent")
    status: Text = s(16, "new, open, pending, on_hold, solved, closed")
    created_at: Moment = f("when the customer wrote")
    first_response_at: Moment | None = f("first reply from the team", default=None)
    resolved_at: Moment | None = f("when it was solved", default=None)
    updated_at: Moment = f("last change in the source; an older value never overwrites a newer one")
    csat: int | None = Field(None, ge=1, le=5, description="satisfaction rating 1..5")
    quality_score: Rate | None = Field(None, description="QA review score, 0..1")
    is_escalated: bool = f("escalated to a lead", default=False)
    escalated_at: Moment | None = f("when it was escalated", default=None)
    legal_threat: bool = f("the customer threatens legal action", default=False)
    regulatory_threat: bool = f("the customer threatens a regulator complaint", default=False)
    value_at_stake: Money | None = f("order value or refund asked for", default=None)


class PageTrafficRecord(Record):
    day: Day = f("the store-local day; with landing_page, the row's natural key")
    landing_page: Text = s(512, "the page path")
    # Web analytics and Search Console fill different columns of the same row (docs/connectors/analytics.md),
    # so each may create it: what the other has not sent yet starts at 0 (analytics) or unknown (search).
    sessions: Count = f("sessions that started there (web analytics)", default=0)
    conversions: Count = f("sessions that ordered", default=0)
    revenue: Money = f("revenue of those orders", default=Decimal("0.00"))
    search_clicks: Count | None = f("clicks from Google Search results (Search Console)", default=None)
    search_impressions: Count | None = f("times shown in Google Search results", default=None)


class CalendarEventRecord(Record):
    kind: Text = s(16, "holiday, promotion or peak")
    name: Text = s(200, "what it is")
    starts_on: Day = f("first store-local day")
    ends_on: Day = f("last store-local day, inclusive")


RECORDS: dict[str, type[Record]] = {
    "suppliers": SupplierRecord,
    "products": ProductRecord,
    "skus": SkuRecord,
    "locations": LocationRecord,
    "team_members": TeamMemberRecord,
    "customers": CustomerRecord,
    "orders": OrderRecord,
    "order_lines": OrderLineRecord,
    "refunds": RefundRecord,
    "returns": ReturnRecord,
    "inventory_levels": InventoryLevelRecord,
    "shipments": ShipmentRecord,
    "tracking_events": TrackingEventRecord,
    "tickets": TicketRecord,
    "page_traffic": PageTrafficRecord,
    "calendar_events": CalendarEventRecord,
}
"""Every entity, in dependency order: a record only refers to entities listed before its own."""

# Fields HotDash computes itself; a record that sends them is told why they are refused.
DERIVED: dict[str, dict[str, str]] = {
    "customers": {
        name: "computed by HotDash from the customer's orders and refunds; leave it out"
        for name in ("first_order_at", "orders_count", "total_spent")
    },
}

_PATCHES: dict[str, type[BaseModel]] = {}


def required_fields(entity: str) -> list[str]:
    """Return the fields a new record of `entity` must have."""
    return [name for name, info in RECORDS[entity].model_fields.items() if info.is_required()]


def patch_model(entity: str) -> type[BaseModel]:
    """Return the model that validates the fields a record does send: every field optional, same types."""
    if entity not in _PATCHES:
        fields: dict[str, Any] = {}
        for name, info in RECORDS[entity].model_fields.items():
            loose = copy.copy(info)
            loose.default = None
            loose.default_factory = None
            fields[name] = (info.annotation, loose)
        _PATCHES[entity] = create_model(
            f"{RECORDS[entity].__name__}Patch", __config__=ConfigDict(strict=True, extra="forbid"), **fields
        )
    return _PATCHES[entity]


def describe_type(entity: str, field: str) -> str:
    """Name the field's type the way the import docs do."""
    annotation = RECORDS[entity].model_fields[field].annotation
    text = str(annotation)
    for needle, word in (
        ("AwareDatetime", "timestamp"),
        ("datetime.date", "date"),
        ("datetime.time", "time"),
        ("Decimal", "decimal"),
        ("bool", "boolean"),
        ("int", "integer"),
        ("str", "text"),
    ):
        if needle in text:
            return word
    raise AssertionError(f"{entity}.{field}: no doc name for {text}")  # pragma: no cover - caught by tests
