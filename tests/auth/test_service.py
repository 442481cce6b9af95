"""Users, sign-in, browser sessions and API tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotdash.auth import audit, passwords, service
from hotdash.auth.errors import AccountError, EmailTaken, LastAdmin, NotAllowed
from hotdash.auth.models import ApiToken, AuditEntry, Role, User, WebSession
from hotdash.auth.passwords import WeakPasswordError
from hotdash.auth.usage import UsageRecorder
from tests.auth.helpers import PASSWORD

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def use_session(session: Session, token: str, now: datetime) -> bool:
    """Sign a changing request in with a session cookie at `now`; tell whether it worked."""
    found = service.resolve_session(session=session, token=token, now=now)
    if found is not None:
        UsageRecorder(sessionmaker()).session_used(found[0], now, within=session)
    return found is not None


def use_token(session: Session, token: str, now: datetime) -> bool:
    """Sign a changing request in with an API token at `now`; tell whether it worked."""
    found = service.resolve_token(session=session, token=token, now=now)
    if found is not None:
        UsageRecorder(sessionmaker()).token_used(found[0], now, within=session)
    return found is not None


def make(
    session: Session, email: str = "ana@example.com", role: Role = Role.viewer, **kwargs: object
) -> User:
    options: dict[str, object] = {"name": "Ana", "password": PASSWORD, "actor": None, "now": NOW} | kwargs
    return service.create_user(session=session, email=email, role=role, **options)  # type: ignore[arg-type]


def test_create_user_normalises_the_email_and_audits_without_the_password(session: Session) -> None:
    admin = make(session, "boss@example.com", Role.admin)

    user = make(session, "  Ana.Lopez@Example.COM ", Role.operator, name="  Ana   López ", actor=admin)

    assert user.email == "ana.lopez@example.com"
    assert user.name == "Ana López"
    assert user.role == "operator"
    assert user.is_active
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    entry = audit.recent(session=session, entity="user")[0]
    assert (entry.action, entry.entity_key, entry.actor_label) == (
        "user.create",
        user.email,
        "boss@example.com",
    )
    assert entry.before is None
    assert entry.after == {"email": "ana.lopez@example.com", "role": "operator"}
    assert PASSWORD not in repr(entry.after) + repr(entry.note)


def test_an_email_is_one_user_whatever_its_case(session: Session) -> None:
    make(session, "ana@example.com")

    with pytest.raises(EmailTaken, match=r"ana@example\.com already exists"):
        make(session, "ANA@example.com")


@pytest.mark.parametrize("email", ["", "ana", "ana@", "@example.com", "ana@example", "a b@example.com"])
def test_an_email_must_look_like_one(session: Session, email: str) -> None:
    with pytest.raises(AccountError, match="not an email address"):
        make(session, email)


def test_passwords_need_twelve_characters_and_the_error_does_not_repeat_it(session: Session) -> None:
    with pytest.raises(WeakPasswordError) as refused:
        make(session, password="hunter2hunt")  # 11 characters

    assert "at least 12 characters" in str(refused.value)
    assert "has 11" in str(refused.value)
    assert "hunter2hunt" not in str(refused.value)
    assert session.scalar(select(User)) is None
    make(session, password="violet kayak")  # exactly twelve is enough


REFUSALS = {
    "aaaaaaaaaaaa": 'Repeats like "aaa" are easy to guess. Add another word or two. Uncommon words are '
    "better. Avoid repeated words and characters. A few unrelated words make a strong password that is easy "
    "to remember.",
    "password1234": "This is a very common password. Add another word or two. Uncommon words are better. "
    "A few unrelated words make a strong password that is easy to remember.",
    "qwertyuiop12": "This is similar to a commonly used password. Add another word or two. Uncommon words "
    "are better. A few unrelated words make a strong password that is easy to remember.",
    "Ana.Lopez-2026": "A password cannot contain your own email or name: it is the first guess.",
    "violet\tkayak!": "A password cannot contain control or invisible characters.",
    "violet\u200bkayak": "A password cannot contain control or invisible characters.",
}


@pytest.mark.parametrize("password", sorted(REFUSALS))
def test_guessable_passwords_are_refused_saying_why(session: Session, password: str) -> None:
    with pytest.raises(WeakPasswordError) as refused:
        make(session, "ana.lopez@example.com", password=password)

    assert str(refused.value) == REFUSALS[password]
    assert session.scalar(select(User)) is None


def test_a_password_change_is_held_to_the_same_rules(session: Session) -> None:
    user = make(session, "ana.lopez@example.com")

    with pytest.raises(WeakPasswordError, match="very common password"):
        service.set_password(session=session, user=user, password="password1234", actor=user, now=NOW)
    service.set_password(session=session, user=user, password="orbit lemon clay", actor=user, now=NOW)
    assert passwords.verify_password(user.password_hash, "orbit lemon clay")


def test_unrelated_words_and_random_passwords_pass() -> None:
    for password in ("violet kayak", "orbit lemon clay", "zq8Lm3pW0xr2", passwords.generate_password()):
        passwords.check_password(password, context=("ana.lopez@example.com", "Ana López"))


def test_only_admins_manage_users(session: Session) -> None:
    manager = make(session, "morgan@example.com", Role.manager)

    with pytest.raises(NotAllowed, match="Only admins add users"):
        make(session, "ana@example.com", actor=manager)
    with pytest.raises(NotAllowed):
        service.set_role(session=session, user=manager, role=Role.admin, actor=manager, now=NOW)


def test_set_role_and_deactivate_are_audited(session: Session) -> None:
    admin = make(session, "boss@example.com", Role.admin)
    user = make(session, "ana@example.com")

    service.set_role(session=session, user=user, role=Role.manager, actor=admin, now=NOW)
    service.deactivate(session=session, user=user, actor=admin, now=NOW + timedelta(minutes=1))

    assert user.role == "manager"
    assert not user.is_active
    deactivated, promoted = audit.recent(session=session, entity="user")[:2]
    assert (promoted.action, promoted.before, promoted.after) == (
        "user.set_role",
        {"role": "viewer"},
        {"role": "manager"},
    )
    assert (deactivated.action, deactivated.before, deactivated.after) == (
        "user.deactivate",
        {"is_active": True},
        {"is_active": False},
    )
    assert deactivated.actor_id == admin.id


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(session: Session) -> None:
    admin = make(session, "boss@example.com", Role.admin)

    with pytest.raises(LastAdmin, match="only active admin"):
        service.set_role(session=session, user=admin, role=Role.manager, actor=None, now=NOW)
    with pytest.raises(LastAdmin):
        service.deactivate(session=session, user=admin, actor=None, now=NOW)

    second = make(session, "second@example.com", Role.admin)
    service.deactivate(session=session, user=admin, actor=second, now=NOW)
    assert not admin.is_active


def test_authenticate_accepts_the_right_password_only(session: Session) -> None:
    user = make(session, "ana@example.com")

    assert service.authenticate(session=session, email="ANA@example.com ", password=PASSWORD, now=NOW) is user
    assert user.last_login_at == NOW
    assert (
        service.authenticate(session=session, email="ana@example.com", password=PASSWORD + "!", now=NOW)
        is None
    )
    assert service.authenticate(session=session, email="ana@example.com", password="", now=NOW) is None
    assert (
        service.authenticate(session=session, email="ana@example.com", password="x" * 5000, now=NOW) is None
    )


def test_an_inactive_user_cannot_sign_in(session: Session) -> None:
    user = make(session, "ana@example.com")
    service.deactivate(session=session, user=user, actor=None, now=NOW)

    assert service.authenticate(session=session, email="ana@example.com", password=PASSWORD, now=NOW) is None


def test_an_unknown_email_still_costs_a_password_check(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: checked.append(h) or real_verify(h, p))

    assert (
        service.authenticate(session=session, email="nobody@example.com", password=PASSWORD, now=NOW) is None
    )
    assert service.authenticate(session=session, email="not an email", password=PASSWORD, now=NOW) is None

    # Each answer took an argon2 verification, like a wrong password for a real account does.
    assert len(checked) == 2
    assert all(h.startswith("$argon2id$") for h in checked)


def test_sign_in_upgrades_a_hash_made_with_old_parameters(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make(session, "ana@example.com")
    old_hash = user.password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)

    assert (
        service.authenticate(session=session, email="ana@example.com", password="wrong password!", now=NOW)
        is None
    )
    assert user.password_hash == old_hash  # a failed attempt changes nothing
    assert service.authenticate(session=session, email="ana@example.com", password=PASSWORD, now=NOW) is user

    assert user.password_hash != old_hash
    assert not stronger.check_needs_rehash(user.password_hash)
    assert service.authenticate(session=session, email="ana@example.com", password=PASSWORD, now=NOW) is user


def test_a_session_stores_only_a_hash_and_resolves_by_its_token(session: Session) -> None:
    user = make(session)

    started = service.start_session(session=session, user=user, now=NOW)

    stored = session.scalars(select(WebSession)).one()
    assert stored.token_hash == service.digest(started.token) != started.token
    assert started.token not in repr(started)
    assert len(started.token) >= 43  # 32 random bytes
    assert stored.csrf_token
    assert stored.csrf_token != started.token
    assert stored.expires_at == NOW + timedelta(hours=12)
    assert service.resolve_session(session=session, token=started.token, now=NOW) == (stored, user)
    assert service.resolve_session(session=session, token=started.token + "x", now=NOW) is None
    assert service.resolve_session(session=session, token="", now=NOW) is None


def test_a_session_slides_with_use_but_touches_the_database_at_most_once_a_minute(session: Session) -> None:
    user = make(session)
    token = service.start_session(session=session, user=user, now=NOW).token
    stored = session.scalars(select(WebSession)).one()

    use_session(session, token, NOW + timedelta(seconds=30))
    assert stored.last_seen_at == NOW  # not yet a minute

    later = NOW + timedelta(hours=11)
    found = service.resolve_session(session=session, token=token, now=later)
    assert stored.last_seen_at == NOW  # resolving alone never writes: a GET only reads
    assert found is not None
    use_session(session, token, later)
    assert stored.last_seen_at == later
    assert stored.expires_at == later + timedelta(hours=12)


def test_a_session_ends_after_twelve_idle_hours(session: Session) -> None:
    user = make(session)
    token = service.start_session(session=session, user=user, now=NOW).token

    assert use_session(session, token, NOW + timedelta(hours=11, minutes=59))
    # Used at 11:59, so it now lasts until 23:59.
    assert use_session(session, token, NOW + timedelta(hours=23, minutes=58))
    assert service.resolve_session(session=session, token=token, now=NOW + timedelta(hours=36)) is None


def test_a_session_ends_seven_days_after_sign_in_however_busy(session: Session) -> None:
    user = make(session)
    token = service.start_session(session=session, user=user, now=NOW).token

    for hour in range(6, 7 * 24, 6):  # busy every six hours, up to 6 days 18 hours
        assert use_session(session, token, NOW + timedelta(hours=hour))
    stored = session.scalars(select(WebSession)).one()
    assert stored.expires_at <= NOW + timedelta(days=7)
    assert service.resolve_session(session=session, token=token, now=NOW + timedelta(days=7)) is None


def test_ending_or_deactivating_ends_the_session(session: Session) -> None:
    user = make(session)
    first = service.start_session(session=session, user=user, now=NOW)
    second = service.start_session(session=session, user=user, now=NOW)

    service.end_session(session=session, web_session=first.record)
    assert service.resolve_session(session=session, token=first.token, now=NOW) is None
    assert service.resolve_session(session=session, token=second.token, now=NOW) is not None

    service.deactivate(session=session, user=user, actor=None, now=NOW)
    assert service.resolve_session(session=session, token=second.token, now=NOW) is None
    assert session.scalars(select(WebSession)).all() == []


def test_a_token_is_shown_once_and_only_its_hash_and_prefix_are_kept(session: Session) -> None:
    admin = make(session, "boss@example.com", Role.admin)
    robot = make(session, "robot@example.com")

    made = service.create_token(session=session, user=robot, name=" nightly  export ", actor=admin, now=NOW)

    assert made.token.startswith("hd_")
    assert made.token not in repr(made)
    stored = session.scalars(select(ApiToken)).one()
    assert stored.token_hash == service.digest(made.token)
    assert stored.prefix == made.token[:11]
    assert stored.name == "nightly export"
    entry = audit.recent(session=session, entity="api_token")[0]
    assert entry.action == "token.create"
    assert entry.actor_label == "boss@example.com"
    assert entry.after == {
        "name": "nightly export",
        "prefix": stored.prefix,
        "user": "robot@example.com",
        "expires_at": None,
    }
    assert made.token not in repr(entry.after)


def test_a_token_resolves_to_its_user_and_notes_its_use(session: Session) -> None:
    robot = make(session, "robot@example.com")
    made = service.create_token(session=session, user=robot, name="t", actor=None, now=NOW)

    assert service.resolve_token(session=session, token=made.token, now=NOW) == (made.record, robot)
    assert made.record.last_used_at is None  # resolving alone never writes
    assert use_token(session, made.token, NOW)
    assert made.record.last_used_at == NOW
    assert use_token(session, made.token, NOW + timedelta(seconds=59))
    assert made.record.last_used_at == NOW  # at most once a minute
    assert use_token(session, made.token, NOW + timedelta(seconds=60))
    assert made.record.last_used_at == NOW + timedelta(seconds=60)
    assert service.resolve_token(session=session, token=made.token[:-1], now=NOW) is None
    assert service.resolve_token(session=session, token="not-a-token", now=NOW) is None


def test_revoked_expired_and_deactivated_tokens_stop_working(session: Session) -> None:
    admin = make(session, "boss@example.com", Role.admin)
    robot = make(session, "robot@example.com")
    revoked = service.create_token(session=session, user=robot, name="a", actor=admin, now=NOW)
    expiring = service.create_token(
        session=session, user=robot, name="b", actor=admin, now=NOW, expires_at=NOW + timedelta(days=1)
    )
    other = service.create_token(session=session, user=robot, name="c", actor=admin, now=NOW)

    service.revoke_token(session=session, api_token=revoked.record, actor=admin, now=NOW)
    assert service.resolve_token(session=session, token=revoked.token, now=NOW) is None
    entry = audit.recent(session=session, entity="api_token")[0]
    assert (entry.action, entry.before) == ("token.revoke", {"revoked_at": None})

    assert (
        service.resolve_token(session=session, token=expiring.token, now=NOW + timedelta(hours=23))
        is not None
    )
    assert service.resolve_token(session=session, token=expiring.token, now=NOW + timedelta(days=1)) is None

    service.deactivate(session=session, user=robot, actor=admin, now=NOW)
    assert service.resolve_token(session=session, token=other.token, now=NOW) is None


def test_only_admins_make_or_revoke_tokens(session: Session) -> None:
    manager = make(session, "morgan@example.com", Role.manager)
    made = service.create_token(session=session, user=manager, name="t", actor=None, now=NOW)

    with pytest.raises(NotAllowed, match="Only admins create API tokens"):
        service.create_token(session=session, user=manager, name="t", actor=manager, now=NOW)
    with pytest.raises(NotAllowed):
        service.revoke_token(session=session, api_token=made.record, actor=manager, now=NOW)
    with pytest.raises(AccountError, match="in the future"):
        service.create_token(session=session, user=manager, name="t", actor=None, now=NOW, expires_at=NOW)


def test_demo_admin_is_created_then_given_a_new_password(session: Session) -> None:
    email, first = service.ensure_demo_admin(session=session, now=NOW)

    assert email == "admin@hotdash.local"
    assert len(first) >= 12
    admin = service.authenticate(session=session, email=email, password=first, now=NOW)
    assert admin is not None
    assert admin.role == "admin"
    started = service.start_session(session=session, user=admin, now=NOW)

    again, second = service.ensure_demo_admin(session=session, now=NOW)

    assert again == email
    assert second != first
    assert service.authenticate(session=session, email=email, password=first, now=NOW) is None
    assert service.authenticate(session=session, email=email, password=second, now=NOW) is admin
    # A new password ends the sessions started with the old one.
    assert service.resolve_session(session=session, token=started.token, now=NOW) is None
    audited = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert audited == ["user.create", "user.set_password"]
