"""Sources: secrets stored encrypted and never shown, key rotation, the environment, and the sync state."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.auth.models import AuditEntry
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store.models import Store
from hotdash.store.models.ingest import Source
from hotdash.store.sources import service, sync_state
from hotdash.store.sources.crypto import SecretBox, SecretKeyError, load_box, new_key
from hotdash.store.sources.lookup import webhook_secret_lookup

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "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"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    db = session_factory(engine)()
    try:
        yield db
    finally:
        db.rollback()
        db.close()


@pytest.fixture
def key() -> str:
    return new_key()


@pytest.fixture
def box(key: str) -> SecretBox:
    return SecretBox.from_text(key)


def add(session: Session, box: SecretBox, **secrets: str) -> Source:
    return service.create_source(
        session=session,
        key="shop-eu",
        kind="shopify",
        name="Northwind EU",
        store_id=None,
        settings={"shop": "northwind-eu.myshopify.com"},
        secrets=secrets,
        box=box,
        actor=None,
        now=NOW,
    )


def audit_text(session: Session) -> str:
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return json.dumps([[e.action, e.before, e.after, e.note] for e in entries])


def test_secrets_are_stored_encrypted_shown_by_hint_and_decrypted_for_syncs(
    session: Session, box: SecretBox
) -> None:
    source = add(session, box, access_token=TOKEN, webhook_secret="short")
    session.flush()
    stored = session.scalars(select(Source.secret_ciphertext)).one()
    assert stored is not None
    assert TOKEN not in stored
    assert "short" not in stored
    view = service.view_of(source, now=NOW, environ={})
    assert [(s.name, s.origin, s.hint) for s in view.secrets] == [
        ("access_token", "stored", "…b1a0"),
        ("webhook_secret", "stored", "set"),
    ]
    config = service.load_config(session=session, key="shop-eu", box=box, environ={})
    assert config.secrets == {"access_token": TOKEN, "webhook_secret": "short"}
    assert TOKEN not in repr(config)


def test_the_audit_log_names_secrets_but_never_holds_their_values(session: Session, box: SecretBox) -> None:
    add(session, box, access_token=TOKEN)
    service.set_secret(
        session=session,
        key="shop-eu",
        secret="access_token",
        value="shpat_new0000000000000000000000wxyz",
        box=box,
        actor=None,
        now=NOW,
    )
    service.update_source(
        session=session, key="shop-eu", settings={"api_version": "2026-07"}, actor=None, now=NOW
    )
    service.set_enabled(session=session, key="shop-eu", enabled=False, actor=None, now=NOW)
    text = audit_text(session)
    actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["source.create", "source.set_secret", "source.update", "source.disable"]
    assert "access_token" in text
    assert TOKEN not in text
    assert "wxyz" not in text
    assert "b1a0" not in text


def add_store(session: Session) -> int:
    store = Store(source="demo", external_id="s1", name="Northwind", currency="EUR", timezone="UTC",
                  created_at=NOW)  # fmt: skip
    session.add(store)
    session.flush()
    return store.id


def test_a_source_store_can_be_set_then_unset_and_stays_unset_when_other_fields_change(
    session: Session, box: SecretBox
) -> None:
    store_id = add_store(session)
    add(session, box, access_token=TOKEN)

    service.update_source(session=session, key="shop-eu", store_id=store_id, actor=None, now=NOW)
    assert service.get_source(session=session, key="shop-eu").store_id == store_id
    # Leaving the store out of a change keeps it.
    service.update_source(session=session, key="shop-eu", name="Northwind Europe", actor=None, now=NOW)
    assert service.get_source(session=session, key="shop-eu").store_id == store_id

    service.update_source(session=session, key="shop-eu", store_id=None, actor=None, now=NOW)
    assert service.get_source(session=session, key="shop-eu").store_id is None
    service.update_source(
        session=session, key="shop-eu", name="Northwind EU", settings={"api_version": "2026-07"},
        actor=None, now=NOW,
    )  # fmt: skip
    source = service.get_source(session=session, key="shop-eu")
    assert (source.store_id, source.name) == (None, "Northwind EU")
    assert service.load_config(session=session, key="shop-eu", box=box).store_id is None

    updates = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "source.update").order_by(AuditEntry.id)
    ).all()
    assert [(e.before["store_id"], e.after["store_id"]) for e in updates] == [
        (None, store_id), (store_id, store_id), (store_id, None), (None, None),
    ]  # fmt: skip
    assert TOKEN not in audit_text(session)
    assert "b1a0" not in audit_text(session)


def test_a_store_that_does_not_exist_is_refused_with_a_reason(session: Session, box: SecretBox) -> None:
    add(session, box)
    with pytest.raises(service.SourceError, match="no store 999"):
        service.update_source(session=session, key="shop-eu", store_id=999, actor=None, now=NOW)
    assert service.get_source(session=session, key="shop-eu").store_id is None


def test_a_secret_in_the_environment_wins_over_the_stored_one(session: Session, box: SecretBox) -> None:
    add(session, box, access_token=TOKEN)
    environ = {"HOTDASH_SOURCE_SHOP_EU__ACCESS_TOKEN": "shpat_fromenv0000000000000000000env1"}
    config = service.load_config(session=session, key="shop-eu", box=box, environ=environ)
    assert config.secrets["access_token"] == "shpat_fromenv0000000000000000000env1"
    source = service.get_source(session=session, key="shop-eu")
    (state,) = service.view_of(source, now=NOW, environ=environ).secrets
    assert (state.origin, state.hint) == ("environment", "…env1")


def test_rotating_the_key_reencrypts_so_the_old_key_can_go(
    session: Session, key: str, box: SecretBox
) -> None:
    add(session, box, access_token=TOKEN)
    newer = new_key()
    both = SecretBox.from_text(f"{newer},{key}")
    assert service.rotate_key(session=session, box=both, actor=None, now=NOW) == 1
    only_new = SecretBox.from_text(newer)
    assert service.load_config(session=session, key="shop-eu", box=only_new, environ={}).secrets == {
        "access_token": TOKEN
    }
    with pytest.raises(SecretKeyError) as refused:
        service.load_config(session=session, key="shop-eu", box=box, environ={})
    assert key not in str(refused.value)
    assert "rotate-key" in str(refused.value)


def test_a_setting_that_looks_like_a_secret_is_refused(session: Session, box: SecretBox) -> None:
    add(session, box)
    with pytest.raises(service.SourceError, match="set-secret"):
        service.update_source(
            session=session, key="shop-eu", settings={"api_token": TOKEN}, actor=None, now=NOW
        )
    assert TOKEN not in session.scalars(select(Source.settings)).one()


def test_bad_keys_kinds_and_duplicates_are_refused_with_a_reason(session: Session, box: SecretBox) -> None:
    add(session, box)
    with pytest.raises(service.SourceError, match="exists already"):
        add(session, box)
    for bad_key in ("Shop EU", "a__b", "x" * 33):
        with pytest.raises(service.SourceError, match="not valid"):
            service.create_source(
                session=session,
                key=bad_key,
                kind="shopify",
                name="n",
                store_id=None,
                settings={},
                secrets={},
                box=box,
                actor=None,
                now=NOW,
            )
    with pytest.raises(service.SourceError, match="not one of"):
        service.create_source(
            session=session,
            key="ok",
            kind="magento",
            name="n",
            store_id=None,
            settings={},
            secrets={},
            box=box,
            actor=None,
            now=NOW,
        )
    with pytest.raises(service.UnknownSource):
        service.set_enabled(session=session, key="nope", enabled=False, actor=None, now=NOW)


def test_sync_state_gives_last_sync_lag_and_a_scrubbed_last_error(session: Session, box: SecretBox) -> None:
    add(session, box, access_token=TOKEN)
    sync_state.record_sync_started(session=session, key="shop-eu", now=NOW)
    newest = NOW - timedelta(hours=2, minutes=5)
    sync_state.record_sync_progress(session=session, key="shop-eu", cursor="c1", last_record_at=newest)
    # An older page later in the run does not move the newest change seen backwards.
    sync_state.record_sync_progress(
        session=session, key="shop-eu", cursor="c2", last_record_at=newest - timedelta(1)
    )
    stored = sync_state.record_sync_failed(
        session=session,
        key="shop-eu",
        now=NOW,
        error=f"refused token {TOKEN}; another shpat_abcdef123456 too",
        secrets=[TOKEN],
    )
    assert TOKEN not in stored
    assert "shpat_abcdef123456" not in stored
    status = service.status_of(service.get_source(session=session, key="shop-eu"), now=NOW)
    assert status.last_sync_status == "failed"
    assert status.last_error == "refused token [secret]; another [secret] too"
    assert status.lag == timedelta(hours=2, minutes=5)
    assert status.lag_text == "2 h 5 min"
    sync_state.record_sync_succeeded(
        session=session, key="shop-eu", now=NOW, cursor="c3", last_record_at=None, summary="1 pages: orders 2"
    )
    status = service.status_of(service.get_source(session=session, key="shop-eu"), now=NOW)
    assert (status.last_sync_status, status.last_error, status.last_success_at) == ("succeeded", None, NOW)
    assert service.get_source(session=session, key="shop-eu").cursor == "c3"


def test_without_a_configured_key_a_private_key_file_is_made_once(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret.key"
    settings = Settings(secret_key_file=path)
    token = load_box(settings).encrypt({"access_token": TOKEN})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The next process reads the same key back and opens what the first one stored.
    assert load_box(settings).decrypt(token) == {"access_token": TOKEN}
    os.chmod(path, 0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        load_box(settings)


def test_a_configured_key_that_is_not_a_fernet_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(SecretKeyError) as refused:
        load_box(Settings(secret_key=SecretStr("not-a-real-key-value")))
    assert "not-a-real-key-value" not in str(refused.value)
    assert "new-key" in str(refused.value)


def test_a_webhook_receiver_finds_the_signing_secret_of_the_shop_a_delivery_names(
    engine: Engine, box: SecretBox
) -> None:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        add(session, box, access_token=TOKEN, webhook_secret="whsec-northwind-eu-0001")
    lookup = webhook_secret_lookup(factory, box, kind="shopify", environ={})
    assert lookup("Northwind-EU.myshopify.com") == b"whsec-northwind-eu-0001"
    assert lookup("someone-else.myshopify.com") is None
    assert lookup(None) is None
    with unit_of_work(factory) as session:
        service.set_enabled(session=session, key="shop-eu", enabled=False, actor=None, now=NOW)
    # A disabled source's deliveries are refused.
    assert lookup("northwind-eu.myshopify.com") is None
