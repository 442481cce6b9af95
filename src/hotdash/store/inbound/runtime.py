"""The webhook machinery one app runs: the sources' receivers, the group-commit writer and the processor.

The processor itself runs as the job `inbound.process` (store/inbound/jobs), wherever jobs run."""

from __future__ import annotations

from dataclasses import dataclass

from hotdash.store.inbound.processor import InboundProcessor
from hotdash.store.inbound.registry import Registry
from hotdash.store.inbound.writer import GroupCommitWriter


@dataclass(frozen=True, slots=True)
class InboundRuntime:
    """What create_app builds for webhooks; the receive route and the lifespan read it from the services."""

    registry: Registry
    writer: GroupCommitWriter
    processor: InboundProcessor
