"""Sessions end on the server's word: logout, a password change and
deactivation end every session of the user, copied cookies included; the
CSRF secret is renewed at login and logout and tokens expire (issue 21,
finding 7)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth import service
from app.auth.models import User
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "a much better passphrase"


def _copy_session(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return thief


def _signed_in(browser, user) -> bool:
    response = browser.get("/")
    return response.status_code == 200 and user.name in response.get_data(as_text=True)


def test_a_copied_session_cookie_stops_working_at_logout(app, client, login, make_user):
    user = make_user("author")
    login(user)
    thief = _copy_session(app, client)
    assert _signed_in(thief, user)
    client.post("/logout")
    assert not _signed_in(client, user)
    assert not _signed_in(thief, user)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, client, login, make_user):
    user = make_user("author")
    login(user)
    other = _copy_session(app, client)
    page = client.get("/profile/password")
    assert page.status_code == 200
    response = client.post(
        "/profile/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _signed_in(client, user)
    assert not _signed_in(other, user)
    client.post("/logout")
    assert (
        app.test_client().post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code
        == 401
    )
    assert (
        app.test_client().post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_a_wrong_current_password_changes_nothing(client, login, make_user):
    user = make_user("author")
    login(user)
    response = client.post(
        "/profile/password",
        data={"current_password": "not my password", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        headers={"Accept-Language": "zh-TW"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The current password is wrong" not in html and "目前的密碼" in html
    assert service.verify_password(db.session.get(User, user.id), DEFAULT_PASSWORD)
    assert _signed_in(client, user)


def test_the_password_page_refuses_a_short_or_mistyped_new_password(client, login, make_user):
    user = make_user("author")
    login(user)
    short = client.post(
        "/profile/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": "short", "confirm": "short"},
    )
    mistyped = client.post(
        "/profile/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD + "x",
        },
    )
    assert short.status_code == mistyped.status_code == 400
    assert service.verify_password(db.session.get(User, user.id), DEFAULT_PASSWORD)


def test_set_password_on_the_command_line_ends_the_sessions(app, client, login, runner, make_user):
    user = make_user("author")
    login(user)
    result = runner.invoke(
        args=["users", "set-password", user.email, "--password-stdin"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert not _signed_in(client, user)
    assert (
        app.test_client().post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    bad = runner.invoke(args=["users", "set-password", user.email, "--password-stdin"], input="short\n")
    assert bad.exit_code != 0 and "at least 8" in bad.output


def test_deactivation_ends_the_sessions(client, login, make_user):
    admin = make_user("admin")
    user = make_user("author")
    login(user)
    service.set_active(admin, db.session.get(User, user.id), False)
    db.session.commit()
    assert not _signed_in(client, user)
    service.set_active(admin, db.session.get(User, user.id), True)
    db.session.commit()
    assert not _signed_in(client, user)  # reactivation does not revive old sessions


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_a_csrf_token_from_before_login_is_worthless_after_it(csrf_app, client, make_user):
    user = make_user("author")
    before = _csrf(client.get("/login").get_data(as_text=True))
    assert (
        client.post(
            "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": before}
        ).status_code
        == 302
    )
    stale = client.post("/profile", data={"name": "laptop", "csrf_token": before})
    assert stale.status_code == 400
    fresh = _csrf(client.get("/profile").get_data(as_text=True))
    assert fresh != before
    assert client.post("/profile", data={"name": "laptop", "csrf_token": fresh}).status_code == 200


def test_csrf_tokens_expire(csrf_app, client, make_user, monkeypatch):
    import itsdangerous.timed

    assert csrf_app.config["WTF_CSRF_TIME_LIMIT"]
    user = make_user("author")
    token = _csrf(client.get("/login").get_data(as_text=True))
    issued = itsdangerous.timed.TimestampSigner.get_timestamp
    late = csrf_app.config["WTF_CSRF_TIME_LIMIT"] + 60
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: issued(self) + late)
    response = client.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code != 302
    assert db.session.scalar(select(User.session_generation).where(User.id == user.id)) == 0
