"""Login, logout, hashed passwords and API tokens."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import ApiToken, User
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD


def test_login_and_logout_through_the_form(client, make_user):
    user = make_user("author")
    assert client.get("/").status_code == 302  # login required
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert user.name in page
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, make_user):
    user = make_user("author")
    response = client.post("/login", data={"email": user.email, "password": "wrong password"})
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_passwords_are_stored_hashed(make_user):
    user = make_user("author")
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert DEFAULT_PASSWORD not in stored
    assert stored.startswith("pbkdf2:") or stored.startswith("scrypt:")


def test_login_next_does_not_redirect_off_site(client, make_user):
    user = make_user("author")
    response = client.post("/login?next=//evil.example/x",
                           data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert "evil.example" not in response.headers["Location"]


def test_api_needs_a_token(client):
    response = client.get("/api/v1/documents")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_api_token_is_stored_hashed_and_works(api_as, make_user):
    user = make_user("author")
    api = api_as(user)
    token = api.headers["Authorization"].split()[1]
    rows = db.session.scalars(select(ApiToken)).all()
    assert [r.token_hash for r in rows] != [token]
    assert all(token not in r.token_hash for r in rows)
    assert api.get("/documents").status_code == 200


def test_revoked_or_unknown_token_is_refused(client, api_as, make_user):
    from app.auth.service import revoke_token

    user = make_user("author")
    api = api_as(user)
    row = db.session.scalars(select(ApiToken)).one()
    revoke_token(user, row.id)
    db.session.commit()
    assert api.get("/documents").status_code == 401
    bad = client.get("/api/v1/documents", headers={"Authorization": "Bearer dt_nope"})
    assert bad.status_code == 401


def test_profile_page_creates_a_token_shown_once(login, make_user, client):
    user = make_user("author")
    login(user)
    page = client.post("/profile", data={"name": "laptop"}).get_data(as_text=True)
    token = page.split('<code class="token">')[1].split("<")[0]
    assert token.startswith("dt_")
    again = client.get("/profile").get_data(as_text=True)
    assert token not in again
    response = client.get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_session_may_read_the_api_but_changes_need_csrf(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("author")
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf})
    assert client.get("/api/v1/documents").status_code == 200
    response = client.post("/api/v1/documents", data={"title": "x"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"


def test_a_bearer_token_decides_who_the_request_is_even_with_a_session(client, login, api_as, make_user):
    """A script that also carries a browser's session cookie acts as the
    token's user (that is who the audit trail names), and a bad token is
    refused rather than falling back to the session."""
    author = make_user("author")
    support = make_user("support", "CS")
    login(author)  # the same test client: the author's session cookie rides along
    api = api_as(support)
    created = api.post("/issues", json={"title": "X200 overheats", "phenomenon": "stops after two hours"})
    assert created.status_code == 201, created.json
    assert created.json["reported_by"] == support.email
    bad = client.get("/api/v1/documents", headers={"Authorization": "Bearer dt_nope"})
    assert bad.status_code == 401
    assert client.get("/api/v1/documents").status_code == 200  # the session alone still reads
