"""A signature's password verified a moment ago is recognised without a
second scrypt run (issue 20: half of the server's CPU on the load-test mix),
and nothing else about signing changes: wrong passwords always fail, a
password change ends it, and it can be turned off."""

from __future__ import annotations

import pytest

from app.auth import service as auth
from app.auth import throttle
from app.errors import WrongPassword
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def hashes(monkeypatch):
    calls = []
    real = throttle.check_password_hash

    def counting(stored, password):
        calls.append(password)
        return real(stored, password)

    monkeypatch.setattr(throttle, "check_password_hash", counting)
    monkeypatch.setattr(throttle, "_VERIFIED", {})
    return calls


def test_a_second_signature_reuses_the_verified_password(app, make_user, hashes):
    user = make_user("dept_head", "RD")
    with app.test_request_context():
        auth.reauthenticate(user, DEFAULT_PASSWORD)
        auth.reauthenticate(user, DEFAULT_PASSWORD)
        assert len(hashes) == 1
        with pytest.raises(WrongPassword):
            auth.reauthenticate(user, DEFAULT_PASSWORD + "x")  # a wrong one is always checked
        assert len(hashes) == 2


def test_a_password_change_ends_the_reuse(app, make_user, hashes):
    user = make_user("dept_head", "RD")
    with app.test_request_context():
        auth.reauthenticate(user, DEFAULT_PASSWORD)
        auth.set_password(user, "a new long password", actor=user)
        db.session.commit()
        with pytest.raises(WrongPassword):
            auth.reauthenticate(user, DEFAULT_PASSWORD)
        auth.reauthenticate(user, "a new long password")


def test_reuse_can_be_turned_off(app, make_user, hashes):
    app.config["SIGNATURE_PASSWORD_CACHE_S"] = 0
    user = make_user("dept_head", "RD")
    with app.test_request_context():
        auth.reauthenticate(user, DEFAULT_PASSWORD)
        auth.reauthenticate(user, DEFAULT_PASSWORD)
    assert len(hashes) == 2


def test_logins_always_check_the_hash(app, make_user, hashes):
    user = make_user("author", "RD")
    with app.test_request_context():
        auth.reauthenticate(user, DEFAULT_PASSWORD)
        assert auth.authenticate(user.email, DEFAULT_PASSWORD, "127.0.0.1") is not None
    assert len(hashes) == 2
