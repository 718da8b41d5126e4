"""Web hardening a user or an attacker can observe: headers, cookies,
login throttling that does not reveal which accounts exist, the KDF."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.factories import DEFAULT_PASSWORD


def test_pages_and_api_send_security_headers(client, login, make_user):
    login(make_user("author"))
    for path in ("/", "/documents/", "/search?q=x", "/api/v1/documents", "/login"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path


def test_pages_have_no_inline_script_style_or_handlers(client, login, make_user, make_document):
    """What the CSP would block must not be needed: pages carry no inline code."""
    user = make_user(["author", "admin"])
    make_document(user)
    login(user)
    for path in ("/", "/documents/", "/documents/new", "/documents/1", "/issues/", "/issues/new",
                 "/issues/metrics", "/search?q=a", "/approvals/inbox", "/approvals/reviews", "/notifications", "/admin/users", "/admin/backups/", "/admin/departments", "/profile", "/documents/1/versions/1"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline <script> on {path}"
        assert not re.search(r"\sstyle=", html), f"inline style attribute on {path}"
        assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {path}"


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("author")
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on the embedded default


def test_secure_cookies_and_hsts_behind_tls(app_config, make_user):
    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    with app.app_context():
        response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def _try(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_lockout_after_failed_logins_does_not_reveal_accounts(client, make_user):
    real = make_user("author")
    other = make_user("author")
    answers = {}
    for email in (real.email, "nobody@example.com"):
        statuses = [_try(client, email, "wrong-password").status_code for _ in range(5)]
        assert statuses == [401] * 5
        locked = _try(client, email, "wrong-password")
        answers[email] = (locked.status_code, locked.get_data(as_text=True).replace(email, "EMAIL"))
    # Same answer for a real account and a made-up one.
    assert answers[real.email][0] == answers["nobody@example.com"][0] == 429
    assert "Too many sign-in attempts" in answers[real.email][1]
    assert answers[real.email][1] == answers["nobody@example.com"][1]
    # While locked, even the right password does not get in...
    assert _try(client, real.email, DEFAULT_PASSWORD).status_code == 429
    # ...but other people at the same address still can.
    assert _try(client, other.email, DEFAULT_PASSWORD).status_code == 302


def test_right_passwords_never_count_against_the_limit(client, make_user):
    user = make_user("author")
    for _ in range(12):
        assert _try(client, user.email, DEFAULT_PASSWORD).status_code == 302
        client.post("/logout")


def test_lockout_message_is_translated(client, make_user):
    for _ in range(5):
        _try(client, "x@example.com", "wrong-password")
    response = client.post("/login", data={"email": "x@example.com", "password": "nope"},
                           headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 429
    assert "Too many sign-in attempts" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["scrypt"])
def test_default_password_kdf_is_memory_hard(tmp_path, monkeypatch, method):
    from app.auth.service import hash_password

    monkeypatch.delenv("DOCTRACK_PASSWORD_HASH_METHOD", raising=False)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                      "INSTANCE_DIR": str(tmp_path / "i"), "SECRET_KEY": "x"})
    with app.app_context():
        assert hash_password("correct horse battery").startswith(method + ":")
