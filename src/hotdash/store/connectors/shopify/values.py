"""Reading Shopify values the same way whichever API shape they come in.

REST bodies use snake_case, numeric ids and money as decimal strings (or `*_set` objects with `shop_money`);
GraphQL bodies use camelCase, `gid://shopify/Type/123` ids, MoneyBags (`shopMoney {amount currencyCode}`) and
connections (`edges/node` or `nodes`). Every reader here accepts both, so the mappers read each field once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Payload = Mapping[str, Any]


class PayloadError(ValueError):
    """A body that cannot be mapped at all (not an object, no id): the message says which field and why."""


def camel(name: str) -> str:
    """Return the camelCase spelling of a snake_case name."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def field(payload: Payload, name: str) -> Any:
    """Return the field `name` (snake_case) of either shape, or None when absent."""
    if name in payload:
        return payload[name]
    return payload.get(camel(name))


def has(payload: Payload, name: str) -> bool:
    """Tell whether the body says anything about `name` (in either spelling)."""
    return name in payload or camel(name) in payload


def external_id(value: Any) -> str | None:
    """Return the numeric id as text from `123`, `"123"` or `"gid://shopify/Order/123?x=y"`."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("gid://"):
            text = text.rsplit("/", 1)[-1].split("?", 1)[0]
        return text or None
    return None


def required_id(payload: Payload, what: str) -> str:
    """Return the body's own id, or raise PayloadError naming the record kind."""
    found = external_id(payload.get("id"))
    if found is None:
        raise PayloadError(f"the {what} has no usable `id` (got {payload.get('id')!r})")
    return found


def ref_id(payload: Payload, name: str) -> str | None:
    """Return a referenced record's id: REST `<name>_id`, or GraphQL `<name> {id}` / `<name>Id`."""
    flat = field(payload, f"{name}_id")
    if flat is not None:
        return external_id(flat)
    nested = field(payload, name)
    if isinstance(nested, Mapping):
        return external_id(nested.get("id"))
    return None


def decimal(value: Any) -> Decimal | None:
    """Return a Decimal from a string or number, None for null or junk (never a float's binary noise)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def money(payload: Payload, name: str) -> Decimal | None:
    """Return an amount in shop currency from `name`, `name_set.shop_money` or GraphQL `nameSet.shopMoney`.

    The shop-money figure is preferred: the store's figures are all in its own currency.
    """
    money_set = field(payload, f"{name}_set")
    if isinstance(money_set, Mapping):
        shop = money_set.get("shop_money") or money_set.get("shopMoney")
        if isinstance(shop, Mapping):
            found = decimal(shop.get("amount"))
            if found is not None:
                return found
    plain = field(payload, name)
    if isinstance(plain, Mapping):  # a GraphQL MoneyV2 such as unitCost {amount currencyCode}
        return decimal(plain.get("amount"))
    return decimal(plain)


def money_currency(payload: Payload, name: str) -> str | None:
    """Return the shop currency named in a `*_set` / `*Set` MoneyBag, if any."""
    money_set = field(payload, f"{name}_set")
    if isinstance(money_set, Mapping):
        shop = money_set.get("shop_money") or money_set.get("shopMoney")
        if isinstance(shop, Mapping):
            code = shop.get("currency_code") or shop.get("currencyCode")
            if isinstance(code, str):
                return code
    return None


def timestamp(value: Any) -> datetime | None:
    """Return a timezone-aware UTC datetime from Shopify's ISO 8601 text (offset or `Z`), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # Shopify always sends an offset; a bare time is taken as UTC rather than as local time.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def nodes(value: Any) -> list[Payload]:
    """Return the items of a REST list or a GraphQL connection (`edges[].node` or `nodes`)."""
    if isinstance(value, Mapping):
        if isinstance(value.get("nodes"), list):
            value = value["nodes"]
        elif isinstance(value.get("edges"), list):
            value = [edge.get("node") for edge in value["edges"] if isinstance(edge, Mapping)]
        else:
            return []
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def tags(value: Any) -> str | None:
    """Return tags as the comma-separated text the model keeps, from REST text or a GraphQL list."""
    if value is None:
        return None
    if isinstance(value, str):
        parts: Sequence[Any] = value.split(",")
    elif isinstance(value, list):
        parts = value
    else:
        return None
    return ", ".join(str(part).strip() for part in parts if str(part).strip())


def text(value: Any, limit: int | None = None) -> str | None:
    """Return a non-empty string (cut to the column's length), else None."""
    if value is None or isinstance(value, bool | Mapping | list):
        return None
    result = str(value).strip()
    if not result:
        return None
    return result[:limit] if limit else result


def integer(value: Any) -> int | None:
    """Return an int from an int or integral text, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def enum_value(value: Any) -> str | None:
    """Return a status in REST spelling: GraphQL's `PARTIALLY_REFUNDED` becomes `partially_refunded`."""
    found = text(value)
    return found.lower() if found else None
