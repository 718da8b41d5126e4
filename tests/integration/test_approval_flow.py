"""Effective and obsolete versions, inbox, periodic review, history."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.clock import company_today
from app.documents.review import add_months
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD, add_version
from tests.factories import DEFAULT_PASSWORD as PW


@pytest.fixture
def team(make_user):
    return {
        "author": make_user("author", "RD"),
        "head": make_user("dept_head", "RD"),
        "leader": make_user("leader", "MGMT"),
        "outsider": make_user("author", "QC"),
    }


def walk(api_as, team, document, number, *, important=False):
    base = f"/documents/{document.id}/versions/{number}/actions"
    assert api_as(team["author"]).post(base, json={"action": "submit"}).status_code == 200
    response = api_as(team["head"]).post(base, json={"action": "approve", "password": PW, "comment": "ok"})
    if important:
        response = api_as(team["leader"]).post(base, json={"action": "approve", "password": PW})
    assert response.json["state"] == "effective", response.json
    return response


def test_new_effective_version_makes_the_previous_obsolete(api_as, team, make_document):
    document = make_document(team["author"], content="torque 1.2 N·m\n", filename="manual.txt")
    walk(api_as, team, document, 1)
    add_version(document, team["author"], "torque 1.5 N·m\n")
    walk(api_as, team, document, 2)
    api = api_as(team["outsider"])
    body = api.get(f"/documents/{document.id}").json
    assert body["effective_version"] == 2
    states = {v["number"]: (v["state"], v["obsolete"]) for v in body["versions"]}
    assert states == {1: ("obsolete", True), 2: ("effective", False)}

    old = api.get(f"/documents/{document.id}/versions/1/file")
    assert old.status_code == 200 and old.data == "torque 1.2 N·m\n".encode()
    assert "manual_v1_OBSOLETE.txt" in old.headers["Content-Disposition"]
    current = api.get(f"/documents/{document.id}/effective")
    assert current.data == "torque 1.5 N·m\n".encode()
    assert "OBSOLETE" not in current.headers["Content-Disposition"]


def test_effective_download_without_effective_version_is_404(api_as, team, make_document):
    document = make_document(team["author"])
    assert api_as(team["author"]).get(f"/documents/{document.id}/effective").status_code == 404


def test_database_refuses_two_effective_versions(team, make_document):
    document = make_document(team["author"])
    add_version(document, team["author"], "second")
    for version in document.versions:
        version.state = "effective"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_older_version_cannot_replace_a_newer_effective_one(api_as, team, make_document):
    document = make_document(team["author"])
    add_version(document, team["author"], "second")
    document.versions[0].state = "in_review"
    document.versions[1].state = "effective"
    db.session.commit()
    response = api_as(team["head"]).post(
        f"/documents/{document.id}/versions/1/actions", json={"action": "approve", "password": PW}
    )
    assert response.status_code == 409


def test_only_one_version_under_review_at_a_time(api_as, team, make_document):
    document = make_document(team["author"])
    add_version(document, team["author"], "second")
    api = api_as(team["author"])
    assert (
        api.post(f"/documents/{document.id}/versions/1/actions", json={"action": "submit"}).status_code == 200
    )
    response = api.post(f"/documents/{document.id}/versions/2/actions", json={"action": "submit"})
    assert response.status_code == 409 and "already under review" in response.json["error"]["message"]


def test_inbox_oldest_first_with_change_note_and_diff(api_as, team, make_document, client):
    first = make_document(team["author"], title="older")
    second = make_document(team["author"], title="newer")
    walk(api_as, team, first, 1)
    add_version(first, team["author"], "revised text", change_note="扭力改為 1.5 N·m")
    author = api_as(team["author"])
    author.post(f"/documents/{first.id}/versions/2/actions", json={"action": "submit"})
    author.post(f"/documents/{second.id}/versions/1/actions", json={"action": "submit"})
    items = api_as(team["head"]).get("/approvals/inbox").json["items"]
    assert [(i["title"], i["version"]) for i in items] == [("older", 2), ("newer", 1)]
    assert items[0]["change_note"] == "扭力改為 1.5 N·m"
    diff = api_as(team["head"]).get(items[0]["diff_url"].replace("/api/v1", ""))
    assert diff.status_code == 200 and diff.json["from"] == 1 and diff.json["to"] == 2
    assert api_as(team["outsider"]).get("/approvals/inbox").json["items"] == []
    assert api_as(team["leader"]).get("/approvals/inbox").json["items"] == []


def test_the_inbox_compares_with_the_effective_version_not_the_previous(api_as, team, make_document):
    document = make_document(team["author"], title="pump manual")
    walk(api_as, team, document, 1)
    add_version(document, team["author"], "second edition")
    walk(api_as, team, document, 2)
    author = api_as(team["author"])
    add_version(document, team["author"], "third edition, refused")
    author.post(f"/documents/{document.id}/versions/3/actions", json={"action": "submit"})
    refused = api_as(team["head"]).post(
        f"/documents/{document.id}/versions/3/actions",
        json={"action": "reject", "password": PW, "comment": "no"},
    )
    assert refused.json["state"] == "rejected"
    add_version(document, team["author"], "fourth edition")
    author.post(f"/documents/{document.id}/versions/4/actions", json={"action": "submit"})
    fresh = make_document(team["author"], title="new leaflet")
    author.post(f"/documents/{fresh.id}/versions/1/actions", json={"action": "submit"})
    items = api_as(team["head"]).get("/approvals/inbox").json["items"]
    # v4 against v2 (in force), not v3 (refused); a first version against itself.
    assert [(i["title"], i["version"], i["diff_url"].split("from=")[1][:1]) for i in items] == [
        ("pump manual", 4, "2"),
        ("new leaflet", 1, "1"),
    ]


def test_review_due_dates_and_filters(api_as, team, make_document):
    yearly = make_document(team["author"], title="yearly")
    walk(api_as, team, yearly, 1)
    half = make_document(team["author"], title="half-yearly")
    half.review_interval_months = 6
    db.session.commit()
    walk(api_as, team, half, 1)
    api = api_as(team["author"])
    today = company_today()
    assert api.get(f"/documents/{yearly.id}").json["review_due"] == add_months(today, 12).isoformat()
    assert api.get(f"/documents/{half.id}").json["review_due"] == add_months(today, 6).isoformat()

    yearly.review_due = today - timedelta(days=1)
    half.review_due = today + timedelta(days=20)
    db.session.commit()

    def titles(which):
        return [d["title"] for d in api.get("/documents", query_string={"review": which}).json["items"]]

    assert titles("overdue") == ["yearly"]
    assert titles("due_soon") == ["half-yearly"]
    half.review_due = today + timedelta(days=45)
    db.session.commit()
    assert titles("due_soon") == []


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 5, 15), 12) == date(2027, 5, 15)


def test_history_lists_every_event(api_as, team, make_document):
    document = make_document(team["author"])
    base = f"/documents/{document.id}/versions/1/actions"
    api_as(team["author"]).post(base, json={"action": "submit"})
    api_as(team["head"]).post(base, json={"action": "reject", "password": PW, "comment": "缺少測試數據"})
    events = api_as(team["author"]).get(f"/documents/{document.id}/history").json["items"]
    rows = [(e["actor"], e["action"], e["from_state"], e["to_state"], e["comment"]) for e in events]
    assert rows[-2:] == [
        (team["author"].email, "submit", "draft", "in_review", ""),
        (team["head"].email, "reject", "in_review", "rejected", "缺少測試數據"),
    ]
    assert all(e["at"] for e in events)


def test_ui_submit_review_approve_with_password(client, team, make_document):
    document = make_document(team["author"], content="第一版\n")
    add_version(document, team["author"], "第二版：新增散熱風扇\n", change_note="新增風扇")

    def login(user):
        client.post("/logout")
        client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})

    login(team["author"])
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Submit for review" in page
    client.post(f"/documents/{document.id}/versions/2/act/submit")

    login(team["head"])
    inbox = client.get("/approvals/inbox").get_data(as_text=True)
    assert document.title in inbox and "新增風扇" in inbox
    diff_link = re.search(r'href="(/documents/\d+/diff\?[^"]+)"', inbox).group(1).replace("&amp;", "&")
    diff_page = client.get(diff_link).get_data(as_text=True)
    assert '<ins class="diff-ins">' in diff_page

    wrong = client.post(
        f"/documents/{document.id}/versions/2/act/approve",
        data={"password": "not my password"},
        follow_redirects=True,
    )
    assert "Wrong password" in wrong.get_data(as_text=True)
    db.session.refresh(document.versions[1])
    assert document.versions[1].state == "in_review"

    client.post(
        f"/documents/{document.id}/versions/2/act/approve",
        data={"password": DEFAULT_PASSWORD, "comment": "同意"},
    )
    db.session.refresh(document.versions[1])
    assert document.versions[1].state == "effective"
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "signed with password" in page and team["head"].name in page


def test_ui_reject_needs_a_comment(client, team, make_document):
    document = make_document(team["author"])
    document.versions[0].state = "in_review"
    db.session.commit()
    client.post("/login", data={"email": team["head"].email, "password": DEFAULT_PASSWORD})
    client.post(f"/documents/{document.id}/versions/1/act/reject", data={"password": DEFAULT_PASSWORD})
    db.session.refresh(document.versions[0])
    assert document.versions[0].state == "in_review"
    client.post(
        f"/documents/{document.id}/versions/1/act/reject",
        data={"password": DEFAULT_PASSWORD, "comment": "請補充高溫測試數據"},
    )
    db.session.refresh(document.versions[0])
    assert document.versions[0].state == "rejected"


def test_dashboard_counts(client, team, make_document, login):
    make_document(team["author"], title="draft one")
    rejected = make_document(team["author"], title="rejected one")
    rejected.versions[0].state = "rejected"
    waiting = make_document(team["author"], title="waiting one")
    waiting.versions[0].state = "in_review"
    db.session.commit()
    login(team["author"])
    page = client.get("/").get_data(as_text=True)
    assert 'data-count="my_drafts">1<' in page and 'data-count="my_rejected">1<' in page
    client.post("/logout")
    login(team["head"])
    page = client.get("/").get_data(as_text=True)
    assert 'data-count="waiting_for_me">1<' in page


def test_review_interval_is_configurable_per_document_after_creation(api_as, team, make_document):
    document = make_document(team["author"])
    walk(api_as, team, document, 1)
    api = api_as(team["head"])  # the interval controls the document: the head's to change
    today = company_today()
    assert api.get(f"/documents/{document.id}").json["review_due"] == add_months(today, 12).isoformat()
    response = api.patch(f"/documents/{document.id}", json={"review_interval_months": 3})
    assert response.status_code == 200, response.json
    assert response.json["review_due"] == add_months(today, 3).isoformat()
    assert response.json["review_interval_months"] == 3
    assert api.patch(f"/documents/{document.id}", json={"review_interval_months": 0}).status_code == 400
    assert api.patch(f"/documents/{document.id}", json={"category": "market"}).status_code == 400
    assert api_as(team["outsider"]).patch(f"/documents/{document.id}", json={"title": "x"}).status_code == 403
    history = api.get(f"/documents/{document.id}/history").json["items"]
    assert history[-1]["action"] == "edit" and "review_interval_months" in history[-1]["details"]
