"""`POST /webhooks/{source}`: receive, authenticate by signature, store durably, then acknowledge.

These routes have no sign-in: the sender proves itself with the signature its receiver checks. The order of
checks is fixed so nothing is trusted early: size first (cheap), then the signature over the raw bytes, then
the headers and the JSON. Only a delivery that passed all of them is stored, and the 2xx goes out only after
its row is committed; anything else gets a 4xx in the one error shape and stores nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from hotdash.kernel.http.services import services_of
from hotdash.store.body_limit import limited_route
from hotdash.store.inbound import strict_json
from hotdash.store.inbound.delivery import WebhookRejected
from hotdash.store.inbound.registry import Receiver, Registry
from hotdash.store.inbound.runtime import InboundRuntime

logger = logging.getLogger(__name__)


class Acknowledged(BaseModel):
    """The delivery is committed (`stored`), or was already (`duplicate`: a redelivery, stored once)."""

    status: str = Field(description="stored or duplicate")
    delivery_id: str


def _limit(request: Request) -> int:
    return services_of(request.app).settings.webhook_max_bytes


def _too_large(limit: int) -> WebhookRejected:
    return WebhookRejected(
        413,
        "payload_too_large",
        f"The webhook body is larger than the {limit} bytes HotDash accepts (HOTDASH_WEBHOOK_MAX_BYTES).",
        {"limit_bytes": limit},
    )


def check_json_object(body: bytes) -> None:
    """Refuse a body that is not one complete JSON object (truncated, not UTF-8, an array, ...)."""
    try:
        # Decoded first: json.loads on bytes would guess UTF-16 or UTF-32 from the first bytes.
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WebhookRejected(400, "invalid_encoding", "The webhook body is not UTF-8 text.") from error
    try:
        parsed: Any = strict_json.loads(text)
    except strict_json.JsonRefused as error:
        details = {"position": error.position} if error.position is not None else {}
        raise WebhookRejected(400, error.code, f"The webhook body {error}", details) from error
    if not isinstance(parsed, dict):
        raise WebhookRejected(
            400, "not_an_object", f"The webhook body must be a JSON object, not {type(parsed).__name__}."
        )


def _route(receiver: Receiver) -> Any:
    async def receive(request: Request) -> Response:
        services = services_of(request.app)
        clock, writer = services.clock, services.get(InboundRuntime).writer
        # The route counts the bytes as they arrive (limited_route): a body past the limit is a 413 here.
        body = await request.body()
        delivery = receiver.read(headers=request.headers, body=body, received_at=clock.now())
        check_json_object(body)
        try:
            stored = await writer.store(delivery)
        except Exception as error:
            raise WebhookRejected(
                503,
                "not_stored",
                "The delivery could not be stored just now and was not acknowledged; send it again.",
            ) from error
        # Encoded here rather than by FastAPI's response validation: this is the hot path of every webhook.
        answer = Acknowledged(status="stored" if stored else "duplicate", delivery_id=delivery.delivery_id)
        return Response(answer.model_dump_json(), media_type="application/json")

    receive.__name__ = f"receive_{receiver.source}_webhook"
    receive.__doc__ = f"Receive one {receiver.source} webhook delivery, authenticated by its signature."
    return receive


_WebhookRoute = limited_route(_limit, _too_large)


def router_for(registry: Registry) -> APIRouter:
    """Return a router with `POST /webhooks/<source>` for every registered receiver."""
    router = APIRouter(tags=["webhooks"])
    for source, receiver in registry.receivers.items():
        router.add_api_route(
            f"/webhooks/{source}",
            _route(receiver),
            methods=["POST"],
            response_model=Acknowledged,
            route_class_override=_WebhookRoute,
            summary=f"Receive a {source} webhook",
            responses={
                400: {"description": "missing headers, truncated or invalid JSON"},
                401: {"description": "unsigned or forged"},
                413: {"description": "body too large"},
                503: {"description": "not stored: send again"},
            },
        )
    return router
