"""`hotdash sync chatwoot`: read every conversation of an account from the conversations API.

Webhooks only tell what happens after they are set up; this pull brings the conversations from before, and
mends anything a lost delivery missed. The list API has no "changed since" filter, so each run reads every
page (`status=all`, `assignee_type=all`, `page=1..` until a page comes back empty); the upserts are
idempotent, so a conversation unchanged since the last run comes back "unchanged". Pages are committed one by
one. A list item holds only the last message, so exact times the webhooks stored (a resolution, the first
reply) are kept over the list's estimates.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import Clock
from hotdash.db.session import unit_of_work
from hotdash.store.connectors.agents import complete_agents
from hotdash.store.connectors.chatwoot.mapper import map_conversations_page
from hotdash.store.connectors.chatwoot.webhooks import keep_earliest_first_response
from hotdash.store.connectors.syncing import OnPage, SyncFailed, Upsert, fail_sync
from hotdash.store.models.support import Ticket
from hotdash.store.sources import service, sync_state
from hotdash.store.sources.crypto import SecretBox

Sleep = Callable[[float], None]
MAX_PAGES = 10_000  # 250k conversations: a bound, so a server that never answers empty cannot loop forever


@dataclass
class SyncReport:
    pages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    last_record_at: datetime | None = None

    def summary(self) -> str:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()) if n)
        return f"{self.pages} pages" + (f": {counts}" if counts else ": no conversations")


def keep_stored_resolution(
    session: Session, *, store_id: int, source: str, records: list[dict[str, Any]]
) -> None:
    """Drop a list's estimated resolved_at where one is already stored (a webhook's exact time)."""
    solved = [r for r in records if r.get("resolved_at") is not None]
    if not solved:
        return
    stored = set(
        session.scalars(
            select(Ticket.external_id).where(
                Ticket.store_id == store_id,
                Ticket.source == source,
                Ticket.external_id.in_([r["external_id"] for r in solved]),
                Ticket.resolved_at.is_not(None),
            )
        )
    )
    for record in solved:
        if record["external_id"] in stored:
            del record["resolved_at"]


@dataclass
class ChatwootSync:
    """One run of the Chatwoot pull for one source; `run()` does it."""

    factory: sessionmaker[Session]
    key: str
    box: SecretBox
    clock: Clock
    upsert: Upsert
    sleep: Sleep = time.sleep
    environ: Mapping[str, str] | None = None
    on_page: OnPage | None = None
    report: SyncReport = field(default_factory=SyncReport)

    def run(self) -> SyncReport:
        """Read every page of conversations; SyncFailed (recorded on the source) if it stops."""
        with unit_of_work(self.factory) as session:
            config = service.load_config(session=session, key=self.key, box=self.box, environ=self.environ)
            sync_state.record_sync_started(session=session, key=self.key, now=self.clock.now())
        try:
            url, token = self._endpoint(config)
            with httpx.Client(headers={"api_access_token": token}, timeout=30.0) as client:
                for number in range(1, MAX_PAGES + 1):
                    page = self._get(client, url, number)
                    if not (page.get("data") or {}).get("payload"):
                        break
                    self._commit(config, page)
        except (Exception, KeyboardInterrupt) as exc:
            self._fail(config, exc)
        with unit_of_work(self.factory) as session:
            sync_state.record_sync_succeeded(
                session=session,
                key=self.key,
                now=self.clock.now(),
                cursor=None,
                last_record_at=self.report.last_record_at,
                summary=self.report.summary(),
            )
        return self.report

    def _endpoint(self, config: service.SourceConfig) -> tuple[str, str]:
        if config.kind != "chatwoot":
            raise SyncFailed(f"Source {config.key!r} is a {config.kind} source, not a Chatwoot one.")
        if not config.is_enabled:
            raise SyncFailed(f"Source {config.key!r} is disabled; enable it to sync.")
        if config.store_id is None:
            raise SyncFailed(f"Source {config.key!r} has no store; set the store it feeds.")
        base = config.settings.get("api_url", "").rstrip("/")
        account = config.settings.get("account_id", "")
        if not base or not account.isdigit():
            raise SyncFailed(
                f"Source {config.key!r} needs the api_url setting (e.g. https://app.chatwoot.com) and the "
                "account_id setting (the number in the dashboard's address)."
            )
        token = config.secrets.get("api_access_token")
        if not token:
            raise SyncFailed(
                f"Source {config.key!r} has no api_access_token secret (Profile settings > Access token): "
                f"`hotdash sources set-secret {config.key} api_access_token`."
            )
        return f"{base}/api/v1/accounts/{account}/conversations", token

    def _get(self, client: httpx.Client, url: str, number: int) -> Mapping[str, Any]:
        params = {"status": "all", "assignee_type": "all", "page": str(number)}
        for attempt in range(1, 5):
            try:
                response = client.get(url, params=params)
            except httpx.TransportError as exc:
                if attempt == 4:
                    raise SyncFailed(f"Chatwoot could not be reached ({type(exc).__name__})") from None
                self.sleep(2.0**attempt)
                continue
            if response.status_code in (401, 403):
                raise SyncFailed(
                    f"Chatwoot refused the api_access_token (HTTP {response.status_code}): check the token "
                    "and that its user belongs to the account"
                )
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == 4:
                    raise SyncFailed(f"Chatwoot kept answering HTTP {response.status_code}; try again later")
                self.sleep(float(response.headers.get("retry-after", "") or 2.0**attempt))
                continue
            if response.status_code != 200:
                raise SyncFailed(f"Chatwoot answered HTTP {response.status_code} to the conversations list")
            body = response.json()
            if not isinstance(body, dict):
                raise SyncFailed("Chatwoot's conversations answer is not a JSON object")
            return body
        raise AssertionError("unreachable")  # pragma: no cover

    def _commit(self, config: service.SourceConfig, page: Mapping[str, Any]) -> None:
        assert config.store_id is not None
        with unit_of_work(self.factory) as session:
            batch = complete_agents(
                session,
                store_id=config.store_id,
                source=self.key,
                batch=map_conversations_page(page),
                now=self.clock.now(),
            )
            tickets = batch["tickets"]
            keep_earliest_first_response(session, store_id=config.store_id, source=self.key, records=tickets)
            keep_stored_resolution(session, store_id=config.store_id, source=self.key, records=tickets)
            result = self.upsert(session=session, store_id=config.store_id, source=self.key, batch=batch)
            for record in result.records:
                self.report.outcomes[record.outcome] += 1
            times = [t["updated_at"] for t in tickets if "updated_at" in t]
            newest = max(times) if times else None
            sync_state.record_sync_progress(session=session, key=self.key, cursor=None, last_record_at=newest)
        self.report.pages += 1
        if self.on_page is not None:
            self.on_page("conversations", len(tickets))
        if newest is not None and (self.report.last_record_at is None or newest > self.report.last_record_at):
            self.report.last_record_at = newest

    def _fail(self, config: service.SourceConfig, exc: BaseException) -> NoReturn:
        fail_sync(
            factory=self.factory,
            config=config,
            clock=self.clock,
            exc=exc,
            interrupted="The sync was interrupted; run it again (pages already read are kept).",
        )
