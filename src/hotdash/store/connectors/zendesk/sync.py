"""`hotdash sync zendesk`: the incremental ticket export into the canonical tickets.

Each export page is mapped, written with `upsert_batch` and committed together with the page's
`after_cursor`, so a sync that stops keeps every page it committed and the next run resumes after the last
one. The first sync starts at the source's `start_time` setting (Unix seconds; 0, everything, by default).
A ticket seen again comes back unchanged, and an older version of a ticket than the stored one is stale.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import Clock
from hotdash.db.session import unit_of_work
from hotdash.store.connectors.agents import complete_agents
from hotdash.store.connectors.syncing import OnPage, SyncFailed, Upsert, fail_sync
from hotdash.store.connectors.zendesk.client import Sleep, ZendeskClient, ZendeskError
from hotdash.store.connectors.zendesk.mapper import ZendeskOptions, map_tickets_page
from hotdash.store.sources import service, sync_state
from hotdash.store.sources.crypto import SecretBox


@dataclass
class SyncReport:
    """What a sync did: pages, tickets and agents by outcome, and a few of the records turned away."""

    pages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    last_record_at: datetime | None = None

    def summary(self) -> str:
        """Return the report in a line, as the sources page shows it."""
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()) if n)
        text = f"{self.pages} pages" + (f": {counts}" if counts else ": nothing new")
        if self.problems:
            text += f"; turned away, e.g. {'; '.join(self.problems[:3])}"
        return text


def load_cursor(text: str | None) -> str | None:
    """Return the stored after_cursor, or None for a first (or unreadable) cursor."""
    try:
        loaded = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    value = loaded.get("after_cursor") if isinstance(loaded, dict) else None
    return value if isinstance(value, str) and value else None


@dataclass
class ZendeskSync:
    """One run of the Zendesk sync for one source; `run()` does it."""

    factory: sessionmaker[Session]
    key: str
    box: SecretBox
    clock: Clock
    upsert: Upsert
    full: bool = False
    sleep: Sleep = time.sleep
    environ: Mapping[str, str] | None = None
    on_page: OnPage | None = None
    report: SyncReport = field(default_factory=SyncReport)

    def run(self) -> SyncReport:
        """Export every ticket changed since the cursor, page by page; SyncFailed if it stops."""
        with unit_of_work(self.factory) as session:
            config = service.load_config(session=session, key=self.key, box=self.box, environ=self.environ)
            sync_state.record_sync_started(session=session, key=self.key, now=self.clock.now())
        cursor = None if self.full else load_cursor(config.cursor)
        try:
            client = self._client(config)
            options = _options(config.settings)
            with client:
                for page in client.export(start_time=_start_time(config.settings), cursor=cursor):
                    cursor = self._commit(config, page, options) or cursor
        except (Exception, KeyboardInterrupt) as exc:
            self._fail(config, exc)
        with unit_of_work(self.factory) as session:
            sync_state.record_sync_succeeded(
                session=session,
                key=self.key,
                now=self.clock.now(),
                cursor=json.dumps({"after_cursor": cursor}) if cursor else config.cursor,
                last_record_at=self.report.last_record_at,
                summary=self.report.summary(),
            )
        return self.report

    def _client(self, config: service.SourceConfig) -> ZendeskClient:
        if config.kind != "zendesk":
            raise SyncFailed(f"Source {config.key!r} is a {config.kind} source, not a Zendesk one.")
        if not config.is_enabled:
            raise SyncFailed(f"Source {config.key!r} is disabled; enable it to sync.")
        if config.store_id is None:
            raise SyncFailed(f"Source {config.key!r} has no store; set the store it feeds.")
        settings = config.settings
        base = settings.get("api_url") or (
            f"https://{settings['subdomain']}.zendesk.com" if settings.get("subdomain") else ""
        )
        if not base:
            raise SyncFailed(
                f"Source {config.key!r} needs a `subdomain` setting (the part before .zendesk.com)."
            )
        token, bearer = config.secrets.get("api_token"), config.secrets.get("access_token")
        if not bearer and not (token and settings.get("email")):
            raise SyncFailed(
                f"Source {config.key!r} needs the api_token secret and the email setting of the agent it "
                "belongs to (or an access_token secret): "
                f"`hotdash sources set-secret {config.key} api_token`."
            )
        return ZendeskClient(
            base_url=base, email=settings.get("email"), api_token=token, access_token=bearer, sleep=self.sleep
        )

    def _commit(
        self, config: service.SourceConfig, page: Mapping[str, Any], options: ZendeskOptions
    ) -> str | None:
        assert config.store_id is not None
        after = page.get("after_cursor")
        with unit_of_work(self.factory) as session:
            batch = complete_agents(
                session,
                store_id=config.store_id,
                source=self.key,
                batch=map_tickets_page(page, options),
                now=self.clock.now(),
            )
            result = self.upsert(session=session, store_id=config.store_id, source=self.key, batch=batch)
            for record in result.records:
                self.report.outcomes[record.outcome] += 1
                if record.outcome == "rejected" and len(self.report.problems) < 3:
                    reasons = ", ".join(f"{e.field or 'record'}: {e.message}" for e in record.errors)
                    self.report.problems.append(f"{record.entity} {record.external_id}: {reasons}"[:300])
            times = [t["updated_at"] for t in batch.get("tickets", []) if "updated_at" in t]
            newest = max(times) if times else None
            sync_state.record_sync_progress(
                session=session,
                key=self.key,
                cursor=json.dumps({"after_cursor": after}) if after else config.cursor,
                last_record_at=newest,
            )
        self.report.pages += 1
        if self.on_page is not None:
            self.on_page("tickets", len(batch.get("tickets", [])))
        if newest is not None and (self.report.last_record_at is None or newest > self.report.last_record_at):
            self.report.last_record_at = newest
        return str(after) if after else None

    def _fail(self, config: service.SourceConfig, exc: BaseException) -> NoReturn:
        fail_sync(factory=self.factory, config=config, clock=self.clock, exc=exc, expected=(ZendeskError,))


def _start_time(settings: Mapping[str, str]) -> int:
    value = settings.get("start_time", "0").strip() or "0"
    if not value.isdigit():
        raise SyncFailed(
            "The start_time setting must be Unix seconds (e.g. 1764547200), or left out for all."
        )
    return int(value)


def _options(settings: Mapping[str, str]) -> ZendeskOptions:
    """Read `order_field_ids` (comma-separated custom field ids that hold an order number)."""
    ids = [part.strip() for part in settings.get("order_field_ids", "").split(",") if part.strip()]
    if not all(part.isdigit() for part in ids):
        raise SyncFailed("The order_field_ids setting must be custom field ids separated by commas.")
    return ZendeskOptions(order_field_ids=frozenset(int(part) for part in ids))
