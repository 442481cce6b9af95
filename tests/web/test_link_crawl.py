"""Every link an admin can follow on the small demo leads somewhere: no 404, no 500, from `/` outwards.

The demo is generated at its fixed "now", the default rules run on it so there are detections, and an admin
(who sees every page) signs in. The crawl follows each internal link once: `href`, `src`, `hx-get`, the
`action` of GET forms and redirects. It leaves out only what changes state (POST forms, `hx-post`) and
signing out. A record page is opened once whatever its query string: record links carry the view they were
found in (`?store=..&window=..`), every page checks those the same way, and the demo's records all link to
one another, so following each record under each of the four windows would crawl the demo four times over.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotdash.app import create_app
from hotdash.auth.models import Role
from hotdash.clock import FrozenClock
from hotdash.db.session import make_engine, session_factory, unit_of_work
from hotdash.detection.defaults import install_defaults
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.models import Detection, Rule
from hotdash.settings import Settings
from hotdash.store.demo.service import generate_demo
from hotdash.store.entities import ENTITIES
from hotdash.tiles.registry import TILES
from tests.auth.helpers import add_user, sign_in
from tests.conftest import BACKENDS
from tests.pg_server import PgServer
from tests.store.demo_fixtures import DEMO_NOW, build_demo

ADMIN = "admin@example.com"
BASE = "http://testserver"
SKIPPED = ("/logout",)  # signing out would end the crawl


# Templates quote every attribute with double quotes (Jinja escapes the values), so a pattern finds them all;
# it reads the pages about ten times faster than html.parser, which was a sixth of the crawl's time.
LINK = re.compile(r'\s(?:href|src|hx-get)="([^"]*)"')
FORM = re.compile(r"<form\b[^>]*>", re.I)
ACTION = re.compile(r'\saction="([^"]*)"')
POST = re.compile(r'\smethod="post"', re.I)


def links(page: str) -> list[str]:
    """Return the URLs a page points at with a GET: links, sources, hx-get and GET forms' actions."""
    found = [unescape(url) for url in LINK.findall(page)]
    for form in FORM.findall(page):
        action = ACTION.search(form)
        if action is not None and not POST.search(form):
            found.append(unescape(action.group(1)))
    return found


@dataclass
class Crawl:
    """What the crawl saw: each internal URL with the page that first linked it, and the failures."""

    statuses: dict[str, int] = field(default_factory=dict)
    linked_from: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def paths(self, pattern: str) -> set[str]:
        """Return the paths visited that match `pattern` in full (query strings dropped)."""
        return {p for p in (urlsplit(u).path for u in self.statuses) if re.fullmatch(pattern, p)}


def internal(url: str, page: str) -> str | None:
    """Return `url` made absolute against `page`, without its fragment, if it is on this server."""
    if url.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute, _ = urldefrag(urljoin(page, url))
    return absolute if absolute.startswith(BASE + "/") else None


def identity(url: str) -> str:
    """Return what makes two URLs the same page for the crawl: the path alone for a record page."""
    path = urlsplit(url).path
    return path if path.startswith("/records/") else url


def crawl(client: TestClient) -> Crawl:
    """Follow every internal GET link from `/` once; record the status of each and the failures."""
    seen = Crawl()
    started = time.perf_counter()
    queue = deque([f"{BASE}/"])
    seen.linked_from[queue[0]] = "(start)"
    pages = {identity(queue[0])}
    while queue:
        url = queue.popleft()
        response = client.get(url, follow_redirects=False)
        seen.statuses[url] = response.status_code
        if response.status_code >= 400:
            seen.failures.append(f"{response.status_code} {url} (linked from {seen.linked_from[url]})")
            continue
        targets: list[str] = []
        if response.is_redirect:
            targets.append(response.headers["location"])
        elif response.headers.get("content-type", "").startswith("text/html"):
            targets += links(response.text)
        for target in targets:
            found = internal(target, url)
            if found is None or identity(found) in pages or urlsplit(found).path in SKIPPED:
                continue
            pages.add(identity(found))
            seen.linked_from[found] = url
            queue.append(found)
    seen.seconds = time.perf_counter() - started
    return seen


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The small demo, on SQLite and on PostgreSQL, with the default rules run at its "now", and an admin."""
    if request.param == "sqlite":
        engine, _ = build_demo(tmp_path_factory.mktemp("crawl") / "demo.db")
        drop = None
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        drop = f"hotdash_crawl_{uuid.uuid4().hex[:12]}"
        server.create_database(drop)
        engine = make_engine(server.url(drop))
        generate_demo(engine=engine, clock=FrozenClock(DEMO_NOW), size="small", seed=7)
    with unit_of_work(session_factory(engine)) as session:
        install_defaults(session=session, now=DEMO_NOW)
        rules = list(session.scalars(select(Rule)))
        Evaluator(FrozenClock(DEMO_NOW)).run(session=session, rules=rules, trigger="manual")
    add_user(engine, ADMIN, Role.admin)
    yield engine
    engine.dispose()
    if drop is not None:
        server.drop_database(drop)


@pytest.fixture(scope="module")
def crawled(demo: Engine) -> Crawl:
    url = demo.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, detection_scheduler=False), clock=FrozenClock(DEMO_NOW))
    # A server error must be listed with the page that linked it, not end the crawl.
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, ADMIN)
        result = crawl(client)
    print(f"\ncrawled {len(result.statuses)} URLs on {demo.dialect.name} in {result.seconds:.1f} s")
    return result


def test_every_link_an_admin_can_follow_answers_without_404_or_500(crawled: Crawl) -> None:
    assert crawled.failures == [], f"{len(crawled.failures)} broken links:\n" + "\n".join(crawled.failures)


def test_the_crawl_reaches_detections_their_records_rules_and_tiles(crawled: Crawl, demo: Engine) -> None:
    with unit_of_work(session_factory(demo)) as session:
        open_ids = set(session.scalars(select(Detection.id).where(Detection.status == "open")))
        records = {
            f"/records/{ENTITIES.by_table(table).key}/{record_id}"
            for table, record_id in session.execute(
                select(Detection.entity, Detection.record_id).where(
                    Detection.status == "open", Detection.record_id.is_not(None)
                )
            )
        }
        rule_keys = set(session.scalars(select(Rule.key)))
    assert len(open_ids) > 50, "the demo should give more detections than one inbox page shows"
    assert crawled.paths(r"/detections/\d+") >= {f"/detections/{i}" for i in open_ids}
    assert len(records) > 50
    assert crawled.paths(r"/records/[a-z_]+/\d+") >= records, "a detection's record was not reached"
    assert crawled.paths(r"/rules/[^/]+") - {"/rules/new"} >= {f"/rules/{k}" for k in rule_keys}
    assert crawled.paths(r"/tiles/[a-z_]+") == {f"/tiles/{name}" for name in TILES}
    assert crawled.paths(r"/tiles/[a-z_]+/exceptions/[^/]+"), "no exception page was reached"


def test_the_crawl_opens_records_of_every_kind_the_demo_links(crawled: Crawl) -> None:
    opened = {p.split("/")[2] for p in crawled.paths(r"/records/[a-z_]+/\d+")}
    # Every entity with a record page that the demo holds rows of is linked from somewhere.
    assert opened == {e.key for e in ENTITIES.with_pages()}
