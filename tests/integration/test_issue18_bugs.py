"""The bug list of issue 18, each shown to fail before its fix: the search
placeholder, the state label of search results, withdraw and unlink that
ask first and leave a visible trace, the comment kept after a wrong
password, and the no-results page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.issues.models import IssueLink
from tests.factories import DEFAULT_PASSWORD as PW

REPORT = {"title": "X200 過熱停機", "phenomenon": "跳過熱保護", "source": "internal", "product": "X200"}


class _Elements(HTMLParser):
    """Attributes of every element, and the tags open around each text."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.texts: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in ("input", "meta", "link", "br", "img", "hr"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if data.strip():
            self.texts.append((data.strip(), list(self.stack)))


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


@pytest.fixture
def people(make_user):
    return {
        "rd": make_user("author", "RD"),
        "rd_head": make_user("dept_head", "RD"),
        "leader": make_user("leader", "MGMT"),
        "support": make_user("support", "CS"),
    }


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("zh_Hant", '例如 過熱、产品质量、"扭力 1.5"、X200'), ("en", 'e.g. 过热, 產品質量, "扭力 1.5", X200')],
)
def test_search_placeholder_keeps_its_quotes(client, login, people, locale, expected):
    login(people["rd"])
    client.post(f"/language/{locale}")
    page = parse(client.get("/search").get_data(as_text=True))
    [search_box] = [attrs for tag, attrs in page.elements if tag == "input" and attrs.get("id") == "q"]
    assert search_box["placeholder"] == expected
    assert set(search_box) <= {"id", "type", "name", "value", "size", "autofocus", "placeholder"}


def test_search_result_shows_the_version_state_not_draft(client, login, api_as, people, make_document):
    document = make_document(people["rd"], title="X500 保養手冊", important=True, content="X500 保養步驟。\n")
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(people["rd"]).post(base, json={"action": "submit"})
    reviewed = api_as(people["rd_head"]).post(base, json={"action": "approve", "password": PW})
    assert reviewed.json["state"] == "pending_approval"
    login(people["rd"])
    client.post("/language/zh_Hant")
    page = client.get("/search?q=保養").get_data(as_text=True)
    assert "v1 · 待核准" in page and "草稿" not in page
    client.post("/language/en")
    page = client.get("/search?q=保養").get_data(as_text=True)
    assert "v1 · Pending approval" in page and "draft" not in page


def test_no_results_is_a_sentence_not_a_list_item(client, login, people):
    login(people["rd"])
    client.post("/language/en")
    page = parse(client.get("/search?q=zzqqxxnothing").get_data(as_text=True))
    [(text, around)] = [(t, s) for t, s in page.texts if t == "Nothing found."]
    assert "li" not in around and "ol" not in around


def test_wrong_password_keeps_the_heads_comment(client, login, people, make_document):
    document = make_document(people["rd"])
    from app.approval import service as approval

    approval.act(document.versions[0], "submit", actor=people["rd"])
    db.session.commit()
    login(people["rd_head"])
    comment = "第 3 節的扭力值請再確認。"
    url = f"/documents/{document.id}/versions/1/act/approve"
    response = client.post(url, data={"password": "wrong-password", "comment": comment}, follow_redirects=True)
    page = parse(response.get_data(as_text=True))
    assert document.versions[0].state == "in_review"
    assert any(text == comment and "textarea" in around for text, around in page.texts)
    again = parse(client.get(f"/documents/{document.id}").get_data(as_text=True))
    assert not any(text == comment for text, _around in again.texts)  # offered once, not forever


def test_withdraw_asks_first(client, login, people, make_document):
    document = make_document(people["rd"])
    from app.approval import service as approval

    approval.act(document.versions[0], "submit", actor=people["rd"])
    db.session.commit()
    login(people["rd"])
    client.post("/language/zh_Hant")
    url = f"/documents/{document.id}/versions/1/act/withdraw"
    asked = client.post(url, data={})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "撤回版本 1？" in page and 'name="confirm" value="yes"' in page
    db.session.refresh(document.versions[0])
    assert document.versions[0].state == "in_review"
    done = client.post(url, data={"confirm": "yes"})
    assert done.status_code == 302
    db.session.refresh(document.versions[0])
    assert document.versions[0].state == "withdrawn"


def test_unlink_asks_first_and_leaves_a_visible_trace(client, login, api_as, people, make_document):
    document = make_document(people["rd"], title="X200 說明書")
    document.versions[0].state = "effective"
    db.session.commit()
    issue_id = api_as(people["support"]).post("/issues", json=REPORT).json["id"]
    linked = api_as(people["support"]).post(
        f"/issues/{issue_id}/links", json={"document_id": document.id, "version": 1, "relation": "manual"}
    )
    [view] = linked.json["links"]
    login(people["support"])
    client.post("/language/zh_Hant")
    url = f"/issues/{issue_id}/links/{view['id']}/delete"
    asked = client.post(url, data={})
    assert asked.status_code == 200 and "要移除報告" in asked.get_data(as_text=True)
    assert db.session.query(IssueLink).count() == 1
    done = client.post(url, data={"confirm": "yes"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert db.session.query(IssueLink).count() == 0
    assert f"已移除與 {document.number} X200 說明書 v1 的連結" in page
    history = [text for text, around in parse(page).texts if "ol" in around]
    assert any("取消文件連結" in text for text in history)
    assert 'data-verb="unlink"' in page
