"""The HTML forms get the hostile strings of the API fuzzing (issue 20).

The test logs in as an administrator with CSRF protection on, walks the
pages reachable from the dashboard, collects every POST form with its
fields, and submits each form with every text field set to each hostile
value (and a valid CSRF token, so the request reaches the view). No answer
may be a 5xx. Forms that end the session (logout, password change) are left
out so the walk keeps its login.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote, urljoin, urlparse

import pytest

from app.extensions import db
from tests import factories

HOSTILE = {
    "huge": "x" * 200_000,
    "nul": "a\x00b",
    "many terms": " ".join(["過熱"] * 600),
    "deep": "[" * 5000 + "]" * 5000,
    "operators": "NOT " * 200 + '"(' * 100,
    "bidi and astral": "\u202e\U0001f600\ufffd",
}
SKIP_ACTIONS = ("/logout", "/password", "/language")
MAX_PAGES = 60

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_ATTR = re.compile(r'(\w[\w-]*)\s*=\s*"([^"]*)"')
_FIELD = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.I)
_LINK = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True  # read per request by Flask-WTF
    return app


def _forms(html: str, page: str) -> list[tuple[str, dict[str, str]]]:
    found = []
    for attrs, body in _FORM.findall(html):
        a = dict(_ATTR.findall(attrs))
        if a.get("method", "get").lower() != "post" or a.get("id") == "lang-form":
            continue  # the language switch posts to the page itself
        fields: dict[str, str] = {}
        for _tag, field_attrs in _FIELD.findall(body):
            f = dict(_ATTR.findall(field_attrs))
            if "name" in f and f.get("type") not in ("file", "submit", "button"):
                fields[f["name"]] = unescape(f.get("value", ""))
        found.append((urljoin(page, unescape(a.get("action") or page)), fields))
    return found


def test_every_form_takes_hostile_strings_without_a_5xx(csrf_app):
    if True:
        admin = factories.make_user(["admin", "author", "dept_head", "qc"], "RD", email="forms@rd.test")
        document = factories.make_document(admin, title="X200 規格書", content="X200 規格 第一版\n")
        from app.issues import service as issues

        issues.create_issue(admin, {"title": "X200 過熱", "phenomenon": "兩小時後停機"})
        db.session.commit()
        client = csrf_app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
        response = client.post("/login", data={"email": admin.email, "password": factories.DEFAULT_PASSWORD,
                                                "csrf_token": token})
        assert response.status_code == 302

        pages, seen, forms = ["/", f"/documents/{document.id}", "/issues/new", "/documents/new"], set(), {}
        while pages and len(seen) < MAX_PAGES:
            page = pages.pop(0)
            if page in seen:
                continue
            seen.add(page)
            response = client.get(page)
            assert response.status_code < 500, page
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            for action, fields in _forms(html, page):
                path = urlparse(action).path
                if not any(s in path for s in SKIP_ACTIONS):
                    forms.setdefault(path, fields)
            for link in _LINK.findall(html):
                path = urlparse(unescape(link)).path
                if path not in seen and not path.startswith(("/static", "/api", "/logout")) and "download" not in path:
                    pages.append(path)
        assert len(forms) >= 10, sorted(forms)  # the walk reaches the app's forms

        failures = []
        for action, fields in sorted(forms.items()):
            for name, value in HOSTILE.items():
                data = {k: (v if k == "csrf_token" else value) for k, v in fields.items()}
                response = client.post(action, data=data)
                if response.status_code >= 500:
                    failures.append((action, name, response.status_code))
            # Invalid UTF-8 can only be sent as raw bytes.
            raw = "&".join(
                f"{quote(k)}={quote(v) if k == 'csrf_token' else '%FF%FE%C0%80'}" for k, v in fields.items()
            )
            response = client.post(action, data=raw, content_type="application/x-www-form-urlencoded")
            if response.status_code >= 500:
                failures.append((action, "invalid UTF-8", response.status_code))
        assert failures == []
