"""Login reveals no accounts by its timing, and a guesser cannot lock the
owner out (issue 21, findings 4 and 6); the reusable throttled check."""

from __future__ import annotations

import statistics
import time

import pytest

from app.auth.service import hash_password
from app.auth.throttle import TooManyAttempts, check_password_throttled
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD


def _try(client, email, password, address="10.0.0.1"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _median_ms(client, email, address) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        assert _try(client, email, "wrong password", address).status_code == 401
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def test_a_failed_login_costs_the_same_for_unknown_addresses(app, client, make_user):
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:200000"  # a real cost, still fast enough for a test
    app.config["LOGIN_RATE_PER_ACCOUNT"] = "100 per minute"
    user = make_user("author")
    user.password_hash = hash_password(DEFAULT_PASSWORD)
    db.session.commit()
    _try(client, "warm@example.com", "x", "10.9.9.9")  # the dummy hash is made on first use
    known = _median_ms(client, user.email, "10.0.0.1")
    unknown = _median_ms(client, "nobody@example.com", "10.0.0.2")
    # Before: ~137 ms against ~9 ms. Now one hash of the configured cost either way.
    assert unknown > 0.3 * known, (known, unknown)


def test_a_guesser_does_not_lock_the_owner_out(client, make_user):
    owner = make_user("admin")
    for _ in range(5):
        assert _try(client, owner.email, "guess", "203.0.113.9").status_code == 401
    assert _try(client, owner.email, "guess", "203.0.113.9").status_code == 429
    assert _try(client, owner.email, DEFAULT_PASSWORD, "203.0.113.9").status_code == 429
    # The owner, at their own desk, signs in as usual.
    assert _try(client, owner.email, DEFAULT_PASSWORD, "10.0.0.7").status_code == 302


def test_the_throttled_check_for_signatures(app, make_user):
    """The function the signing path calls: True/False, 429 past the limit
    for that account from that address only, right passwords never counted."""
    user = make_user("leader", "MGMT")
    with app.test_request_context():
        for _ in range(3):
            assert check_password_throttled(user, DEFAULT_PASSWORD, "10.1.1.1") is True
        for _ in range(5):
            assert check_password_throttled(user, "wrong", "10.1.1.1") is False
        with pytest.raises(TooManyAttempts) as exc:
            check_password_throttled(user, DEFAULT_PASSWORD, "10.1.1.1")
        assert exc.value.status == 429
        assert check_password_throttled(user, DEFAULT_PASSWORD, "10.1.1.2") is True
        assert check_password_throttled(None, DEFAULT_PASSWORD, "10.1.1.3", account="x@example.com") is False
