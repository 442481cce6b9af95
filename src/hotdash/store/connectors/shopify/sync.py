"""`hotdash sync shopify`: an incremental pull of a shop's REST Admin API into the canonical tables.

Resources are pulled in reference order (locations, products, customers, orders, then inventory levels at
the locations seen). Each incremental resource is read in a window: `updated_at_min` = where the last
complete pull ended (inclusive, so the boundary record comes again, "unchanged"), `updated_at_max` = when this
run started. Shopify does not promise an order for REST lists, so the window, not the records' order, is what
makes the next run start safely: when a resource's last page is stored its mark moves to the window's end.

Every page is mapped, upserted and committed together with the cursor, which also holds the next page's URL
(the `Link` header's `page_info`): a sync that fails halfway keeps every page it committed, and the rerun
follows that URL to resume where it stopped. If Shopify no longer accepts it, the rerun reads the resource's
window again from its start; the upserts are idempotent, so records seen twice change nothing.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn, Protocol

from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import Clock
from hotdash.db.session import unit_of_work
from hotdash.store.connectors.shopify.batch import MapContext
from hotdash.store.connectors.shopify.client import (
    API_VERSION,
    Page,
    ShopifyAuthError,
    ShopifyClient,
    ShopifyError,
    ShopifyUnavailable,
    Sleep,
)
from hotdash.store.connectors.shopify.payloads import map_response
from hotdash.store.connectors.shopify.values import PayloadError
from hotdash.store.connectors.syncing import OnPage, SyncFailed, fail_sync
from hotdash.store.models import Store
from hotdash.store.sources import service, sync_state
from hotdash.store.sources.crypto import SecretBox, SecretKeyError

logger = logging.getLogger(__name__)

CanonicalBatch = Mapping[str, Sequence[Mapping[str, Any]]]
_SHOP = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+")
# Shopify accepts at most 50 location ids in one inventory_levels request.
_LOCATIONS_PER_REQUEST = 50


class FieldProblem(Protocol):
    @property
    def field(self) -> str: ...
    @property
    def message(self) -> str: ...


class RecordOutcome(Protocol):
    @property
    def entity(self) -> str: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def errors(self) -> Sequence[FieldProblem]: ...


class UpsertResult(Protocol):
    @property
    def records(self) -> Sequence[RecordOutcome]: ...


class Upsert(Protocol):
    def __call__(
        self, *, session: Session, store_id: int, source: str, batch: CanonicalBatch
    ) -> UpsertResult: ...


class MapPage(Protocol):
    def __call__(self, resource: str, records: Sequence[Mapping[str, Any]]) -> CanonicalBatch: ...


@dataclass
class ResponseMapper:
    """Maps each REST page with the Shopify mappers, remembering which variant each inventory item stocks.

    REST inventory levels name the inventory item only; the products pages say which variant it belongs to
    (`variant.inventory_item_id`). The pairs are kept on the source between runs, because an incremental run
    sees only the products that changed; an item never seen falls back to the mappers' rule.
    """

    timezone: str = "UTC"
    variant_of_item: dict[str, str] = field(default_factory=dict)
    unmappable: list[str] = field(default_factory=list)
    learned: bool = False  # variant_of_item has pairs not stored yet

    def __call__(self, resource: str, records: Sequence[Mapping[str, Any]]) -> CanonicalBatch:
        if resource == "products":
            for product in records:
                for variant in product.get("variants") or []:
                    item, variant_id = variant.get("inventory_item_id"), variant.get("id")
                    if item and variant_id and self.variant_of_item.get(str(item)) != str(variant_id):
                        self.variant_of_item[str(item)] = str(variant_id)
                        self.learned = True
        context = MapContext(default_timezone=self.timezone, variant_for_item=self.variant_of_item.get)
        batch: dict[str, list[Mapping[str, Any]]] = {}
        # One record at a time, so a payload the mappers cannot read is reported and the rest still land.
        for record in records:
            try:
                mapped = map_response({resource: [record]}, context).batch
            except PayloadError as exc:
                self.unmappable.append(f"{resource} {record.get('id', '?')}: {exc}")
                continue
            for entity, rows in mapped.items():
                batch.setdefault(entity, []).extend(rows)
        return batch


@dataclass(frozen=True)
class Resource:
    """One REST list the sync pulls."""

    name: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    incremental: bool = True  # filtered by updated_at_min from the stored mark
    windowed: bool = True  # also takes updated_at_max, and one list: its next-page URL can resume a run


RESOURCES = (
    # Locations have no updated_at_min filter and are few: they are read whole every time.
    Resource("locations", "locations.json", incremental=False, windowed=False),
    Resource("products", "products.json"),
    Resource("customers", "customers.json"),
    # Without status=any Shopify lists open orders only.
    Resource("orders", "orders.json", {"status": "any"}),
    # One list per 50 locations and no updated_at_max: an interrupted pull reads its window again.
    Resource("inventory_levels", "inventory_levels.json", windowed=False),
)


@dataclass
class SyncReport:
    """What a sync did."""

    source: str
    pages: int = 0
    fetched: Counter[str] = field(default_factory=Counter)
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    last_record_at: datetime | None = None
    waited_seconds: float = 0.0
    # A few of the records turned away (by the mappers or the core), with why, to show the operator.
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    def note_problem(self, text: str) -> None:
        """Count a record that was turned away; keep the first few descriptions."""
        self.problem_count += 1
        if len(self.problems) < 3:
            self.problems.append(text)

    def summary(self) -> str:
        """Return the report in a line, as shown on the sources page."""
        parts = [f"{resource} {count}" for resource, count in self.fetched.items()]
        totals: Counter[str] = Counter()
        for counter in self.outcomes.values():
            totals.update(counter)
        outcome_text = ", ".join(f"{n} {outcome}" for outcome, n in sorted(totals.items()) if n)
        text = f"{self.pages} pages: " + (", ".join(parts) or "nothing new")
        text += f" ({outcome_text})" if outcome_text else ""
        if self.problem_count:
            text += f"; {self.problem_count} turned away, e.g. " + "; ".join(self.problems)
        return text


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def newest_update(records: Iterable[Mapping[str, Any]]) -> datetime | None:
    """Return the newest `updated_at` of the payload records, or None."""
    times = [moment for record in records if (moment := _parse_time(record.get("updated_at")))]
    return max(times) if times else None


@dataclass
class Cursor:
    """Where the next run starts: per resource the mark its window starts from, and for a resource whose pull
    was interrupted, the URL of its next page and the end of the window that pull was reading."""

    marks: dict[str, str] = field(default_factory=dict)
    resume: dict[str, dict[str, str]] = field(default_factory=dict)

    def dump(self) -> str:
        """Return the cursor as stored on the source."""
        return json.dumps({"updated_at_min": dict(sorted(self.marks.items())), "resume": self.resume})

    def copy(self) -> Cursor:
        return Cursor(dict(self.marks), {name: dict(entry) for name, entry in self.resume.items()})


def load_cursor(text: str | None) -> Cursor:
    """Return the stored cursor (empty for none or an unreadable one)."""
    try:
        loaded = json.loads(text) if text else {}
    except json.JSONDecodeError:
        loaded = {}
    if not isinstance(loaded, dict):
        loaded = {}
    marks = loaded.get("updated_at_min") or {}
    resume = loaded.get("resume") or {}
    return Cursor(
        marks={str(name): mark for name, mark in marks.items() if isinstance(mark, str)},
        resume={
            str(name): {str(k): str(v) for k, v in entry.items()}
            for name, entry in resume.items()
            if isinstance(entry, dict) and isinstance(entry.get("until"), str)
        },
    )


def base_url_of(settings: Mapping[str, str]) -> str:
    """Return the Admin API root from a source's settings (`api_url`, or `shop` and `api_version`)."""
    if settings.get("api_url"):
        return settings["api_url"].rstrip("/")
    shop = settings.get("shop", "").strip().lower().removeprefix("https://").rstrip("/")
    if not _SHOP.fullmatch(shop):
        raise SyncFailed(
            "The source has no valid `shop` setting (e.g. northwind.myshopify.com). Set it with "
            "`hotdash sources add` or the sources page."
        )
    return f"https://{shop}/admin/api/{settings.get('api_version') or API_VERSION}"


@dataclass
class ShopifySync:
    """One run of the sync for one source; `run()` does it."""

    factory: sessionmaker[Session]
    key: str
    box: SecretBox
    clock: Clock
    upsert: Upsert
    map_page: MapPage | None = None
    full: bool = False
    page_size: int = 250
    sleep: Sleep = time.sleep
    on_page: OnPage | None = None
    environ: Mapping[str, str] | None = None
    report: SyncReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = SyncReport(source=self.key)

    def run(self) -> SyncReport:
        """Pull every resource, committing page by page; SyncFailed (recorded on the source) if it stops."""
        config = self._start()
        cursor = Cursor()
        try:
            client = self._client(config)
            with client:
                cursor = Cursor() if self.full else load_cursor(config.cursor)
                # The end of this run's windows; records changed from now on are the next run's.
                until = self.clock.now().isoformat()
                location_ids: list[str] = []
                for resource in RESOURCES:
                    for page in self._pages(client, resource, cursor, location_ids, until):
                        self._commit(config, resource, page, cursor)
                        if resource.name == "locations":
                            location_ids += [str(record["id"]) for record in page.records if "id" in record]
                    if resource.incremental and not resource.windowed:
                        cursor.marks[resource.name] = until
                        self._store_cursor(cursor)
                self.report.waited_seconds = client.waited
        except (Exception, KeyboardInterrupt) as exc:
            # Interrupted too: the page in flight is rolled back, the committed ones and their cursor stay.
            self._fail(config, exc)
        with unit_of_work(self.factory) as session:
            sync_state.record_sync_succeeded(
                session=session,
                key=self.key,
                now=self.clock.now(),
                cursor=cursor.dump(),
                last_record_at=self.report.last_record_at,
                summary=self.report.summary(),
            )
        return self.report

    def _store_cursor(self, cursor: Cursor) -> None:
        with unit_of_work(self.factory) as session:
            sync_state.record_sync_progress(
                session=session, key=self.key, cursor=cursor.dump(), last_record_at=None
            )

    def _start(self) -> service.SourceConfig:
        unreadable: str | None = None
        with unit_of_work(self.factory) as session:
            try:
                config = service.load_config(
                    session=session, key=self.key, box=self.box, environ=self.environ
                )
            except SecretKeyError as exc:
                unreadable = str(exc)
            else:
                sync_state.record_sync_started(session=session, key=self.key, now=self.clock.now())
                store = session.get(Store, config.store_id) if config.store_id is not None else None
                if self.map_page is None:
                    known = config.connector_state.get("variant_of_item") or {}
                    self.map_page = ResponseMapper(
                        timezone=store.timezone if store else "UTC",
                        variant_of_item={str(item): str(variant) for item, variant in known.items()},
                    )
        if unreadable is not None:
            with unit_of_work(self.factory) as session:
                sync_state.record_sync_failed(
                    session=session, key=self.key, now=self.clock.now(), error=unreadable
                )
            raise SyncFailed(unreadable)
        return config

    def _client(self, config: service.SourceConfig) -> ShopifyClient:
        if config.kind != "shopify":
            raise SyncFailed(f"Source {config.key!r} is a {config.kind} source, not a Shopify one.")
        if not config.is_enabled:
            raise SyncFailed(f"Source {config.key!r} is disabled; enable it to sync.")
        if config.store_id is None:
            raise SyncFailed(
                f"Source {config.key!r} has no store; set the store it feeds on the sources page or with "
                "`hotdash sources add --store-id`."
            )
        token = config.secrets.get("access_token")
        if not token:
            raise SyncFailed(
                f"Source {config.key!r} has no access_token secret. Set it with "
                f"`hotdash sources set-secret {config.key} access_token`, or in the environment as "
                f"{service.env_prefix(config.key)}ACCESS_TOKEN."
            )
        return ShopifyClient(base_url=base_url_of(config.settings), access_token=token, sleep=self.sleep)

    def _pages(
        self, client: ShopifyClient, resource: Resource, cursor: Cursor, location_ids: list[str], until: str
    ) -> Iterator[Page]:
        params = {"limit": str(self.page_size), **resource.params}
        if resource.incremental and resource.name in cursor.marks:
            params["updated_at_min"] = cursor.marks[resource.name]
        if resource.name == "inventory_levels":
            for start in range(0, len(location_ids), _LOCATIONS_PER_REQUEST):
                chunk = location_ids[start : start + _LOCATIONS_PER_REQUEST]
                yield from client.pages(resource.path, {**params, "location_ids": ",".join(chunk)})
            return
        if not resource.windowed:
            yield from client.pages(resource.path, params)
            return
        resume = cursor.resume.get(resource.name)
        if resume is not None:
            # Finish the window the interrupted run was reading, from the page it had got to.
            until = resume["until"]
            page = self._resumed_page(client, resource, resume.get("next"))
            if page is not None:
                yield page
                while page.next_url:
                    page = client.get_page(page.next_url)
                    yield page
                return
        cursor.resume[resource.name] = {"until": until}
        yield from client.pages(resource.path, {**params, "updated_at_max": until})

    def _resumed_page(self, client: ShopifyClient, resource: Resource, url: str | None) -> Page | None:
        if not url:
            return None
        try:
            return client.get_page(url)
        except (ShopifyAuthError, ShopifyUnavailable):
            raise
        except ShopifyError as exc:
            # page_info links do not live for ever; reading the window again loses nothing.
            logger.warning(
                "the stored next page of %s was refused (%s); reading its window again", resource.name, exc
            )
            return None

    def _commit(self, config: service.SourceConfig, resource: Resource, page: Page, cursor: Cursor) -> None:
        newest = newest_update(page.records)
        after = cursor.copy()
        if resource.windowed and resource.incremental:
            entry = after.resume.get(resource.name) or {}
            if page.next_url:
                after.resume[resource.name] = {"until": entry.get("until", ""), "next": page.next_url}
            else:
                # The window is read to its end: the next run starts where it ended.
                after.resume.pop(resource.name, None)
                if entry.get("until"):
                    after.marks[resource.name] = entry["until"]
        assert config.store_id is not None
        with unit_of_work(self.factory) as session:
            if page.records:
                assert self.map_page is not None
                batch = self.map_page(resource.name, page.records)
                if isinstance(self.map_page, ResponseMapper):
                    for problem in self.map_page.unmappable:
                        self.report.note_problem(problem[:300])
                    self.map_page.unmappable.clear()
                    if self.map_page.learned:
                        state = {"variant_of_item": self.map_page.variant_of_item}
                        sync_state.save_connector_state(session=session, key=self.key, state=state)
                        self.map_page.learned = False
                result = self.upsert(session=session, store_id=config.store_id, source=self.key, batch=batch)
                for record in result.records:
                    self.report.outcomes.setdefault(record.entity, Counter())[record.outcome] += 1
                    if record.outcome == "rejected":
                        reasons = ", ".join(f"{e.field or 'record'}: {e.message}" for e in record.errors)
                        self.report.note_problem(f"{record.entity} {record.external_id}: {reasons}"[:300])
            sync_state.record_sync_progress(
                session=session, key=self.key, cursor=after.dump(), last_record_at=newest
            )
        # Only now, after the commit, does the run move on from this page.
        cursor.marks, cursor.resume = after.marks, after.resume
        self.report.pages += 1
        self.report.fetched[resource.name] += len(page.records)
        if newest is not None and (self.report.last_record_at is None or newest > self.report.last_record_at):
            self.report.last_record_at = newest
        if self.on_page is not None:
            self.on_page(resource.name, len(page.records))

    def _fail(self, config: service.SourceConfig, exc: BaseException) -> NoReturn:
        fail_sync(
            factory=self.factory,
            config=config,
            clock=self.clock,
            exc=exc,
            expected=(ShopifyError,),
            interrupted="The sync was interrupted; run it again to resume from the last committed page.",
        )
