"""Five failed sign-ins for one email within 15 minutes lock that email for 15 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotdash.auth.throttle import LoginThrottle

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_fifth_failure_within_the_window_locks_for_fifteen_minutes() -> None:
    throttle = LoginThrottle()
    for minute in range(4):
        assert throttle.record_failure("ana@example.com", T0 + timedelta(minutes=minute)) is None
        assert throttle.locked_until("ana@example.com", T0 + timedelta(minutes=minute)) is None

    fifth = T0 + timedelta(minutes=10)
    assert throttle.record_failure("ana@example.com", fifth) == fifth + timedelta(minutes=15)

    assert throttle.locked_until("ana@example.com", fifth + timedelta(minutes=14)) == fifth + timedelta(
        minutes=15
    )
    assert throttle.locked_until("other@example.com", fifth) is None
    assert throttle.locked_until("ana@example.com", fifth + timedelta(minutes=15)) is None
    # After the lockout the count starts again.
    assert throttle.record_failure("ana@example.com", fifth + timedelta(minutes=16)) is None


def test_failures_older_than_the_window_do_not_count() -> None:
    throttle = LoginThrottle()
    for minute in (0, 5, 10, 14):
        throttle.record_failure("ana@example.com", T0 + timedelta(minutes=minute))

    # The first failure is 15 minutes old now: four in the window, no lockout.
    assert throttle.record_failure("ana@example.com", T0 + timedelta(minutes=15)) is None
    assert throttle.locked_until("ana@example.com", T0 + timedelta(minutes=15)) is None


def test_a_success_forgets_the_failures() -> None:
    throttle = LoginThrottle()
    for _ in range(4):
        throttle.record_failure("ana@example.com", T0)
    throttle.succeeded("ana@example.com")

    assert throttle.record_failure("ana@example.com", T0) is None
