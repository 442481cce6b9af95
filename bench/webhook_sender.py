"""The load generator of bench/ingest.py, run as its own process: signed Shopify webhooks over keep-alive
HTTP/1.1 connections, each connection sending its next request as soon as the previous one is answered.

Requests are built and signed before the clock starts, so the figures measure the server, not the signing.
Prints one JSON line: {"sent", "ok", "seconds", "latencies_ms": [...]}.

    python -m bench.webhook_sender --port 8000 --count 20000 --connections 32 --secret s3cret
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

from hotdash.store.connectors.shopify.webhooks import signature


def build_requests(count: int, secret: str, run: str) -> list[bytes]:
    requests = []
    for number in range(count):
        body = json.dumps(
            {
                "id": 5_000_000 + number,
                "name": f"#{number}",
                "currency": "EUR",
                "financial_status": "paid",
                "subtotal_price": "40.00",
                "total_price": "45.00",
                "processed_at": "2026-11-30T09:00:00Z",
                "updated_at": "2026-11-30T09:00:00Z",
                "line_items": [
                    {"id": 8_000_000 + number, "title": "Daypack", "quantity": 2, "price": "20.00"}
                ],
            }
        ).encode()
        head = (
            "POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Shopify-Topic: orders/create\r\n"
            "X-Shopify-Shop-Domain: bench.myshopify.com\r\n"
            f"X-Shopify-Webhook-Id: {run}-{number}\r\n"
            f"X-Shopify-Hmac-Sha256: {signature(secret.encode(), body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def connection(port: int, queue: list[bytes], latencies: list[float], statuses: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while queue:
            request = queue.pop()
            started = time.perf_counter()
            writer.write(request)
            statuses.append(await read_response(reader))
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        writer.close()


async def run(port: int, count: int, connections: int, secret: str) -> dict[str, object]:
    queue = build_requests(count, secret, uuid.uuid4().hex[:8])
    latencies: list[float] = []
    statuses: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*(connection(port, queue, latencies, statuses) for _ in range(connections)))
    seconds = time.perf_counter() - started
    return {
        "sent": len(statuses),
        "ok": sum(1 for status in statuses if 200 <= status < 300),
        "seconds": seconds,
        "latencies_ms": latencies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.port, args.count, args.connections, args.secret))))


if __name__ == "__main__":
    main()
