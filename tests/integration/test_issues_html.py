"""Problem-report pages: the flow through forms, and inert XSS."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.issues.models import Issue
from tests.factories import DEFAULT_PASSWORD

XSS = ['<script>alert("x")</script>', '<img src=x onerror=alert(1)>', '[a](javascript:alert(1))',
       '<a href="javascript:alert(1)">x</a>', '<svg onload=alert(1)>']


def switch(client, user):
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})


def assert_inert(html: str):
    body = html.split("<main", 1)[1]
    assert "<script" not in body
    assert not re.search(r"<[^>]+\son\w+\s*=", body), "event handler attribute rendered"
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", body, re.I)


@pytest.fixture
def people(make_user):
    return {"support": make_user("support", "CS"), "rd": make_user("author", "RD"),
            "qc": make_user("qc", "QC")}


def test_report_goes_from_recorded_to_closed_through_the_pages(client, people, make_document):
    document = make_document(people["rd"], title="X200 說明書")
    document.versions[0].state = "effective"  # support links what it may read: the effective manual
    db.session.commit()
    switch(client, people["support"])
    response = client.post("/issues/new", data={
        "title": "X200 過熱", "phenomenon": "跳 E03", "found_at": "2026-11-04 09:30", "found_by": "客戶",
        "location": "蘇州", "scope": "B2311", "source": "customer", "customer_ref": "C-1", "product": "X200"})
    assert response.status_code == 302
    url = response.headers["Location"]
    issue_id = int(url.rstrip("/").split("/")[-1])
    client.post(f"/issues/{issue_id}/act/triage", data={"category": "quality", "severity": "1", "department": "RD"})
    client.post(f"/issues/{issue_id}/links", data={"document_id": document.id, "version": 1, "relation": "manual"})
    switch(client, people["rd"])
    client.post(f"/issues/{issue_id}/act/start", data={})
    client.post(f"/issues/{issue_id}/comments", data={"body": "已更換**導熱膏**"})
    client.post(f"/issues/{issue_id}/act/resolve", data={"analysis": "導熱膏不均", "resolution": "改網版印刷"})
    switch(client, people["qc"])
    client.post(f"/issues/{issue_id}/act/verify", data={})
    client.post(f"/issues/{issue_id}/act/close", data={})
    issue = db.session.get(Issue, issue_id)
    db.session.refresh(issue)
    assert issue.state == "verified"  # a customer's report: the reply comes first
    switch(client, people["support"])
    client.post(f"/issues/{issue_id}/replies", data={"text": "已更換導熱膏", "accepted": "yes"})
    switch(client, people["qc"])
    client.post(f"/issues/{issue_id}/act/close", data={})
    db.session.refresh(issue)
    assert issue.state == "closed"
    page = client.get(url).get_data(as_text=True)
    assert "<strong>導熱膏</strong>" in page and "X200 說明書 v1" in page
    doc_page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "X200 過熱" in doc_page


def test_stale_link_warning_on_the_page(client, people, make_document):
    from tests.factories import add_version

    document = make_document(people["rd"], title="Spec")
    add_version(document, people["rd"], "v2")
    document.versions[0].state = "obsolete"  # v1 was effective once; v2 replaced it
    document.versions[1].state = "effective"
    issue = Issue(title="t", reported_by=people["support"], source="internal")
    db.session.add(issue)
    db.session.commit()
    switch(client, people["support"])
    client.post(f"/issues/{issue.id}/links", data={"document_id": document.id, "version": 1, "relation": "spec"})
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert "no longer the effective one" in page and "effective: v2" in page


@pytest.mark.parametrize("payload", XSS)
def test_xss_in_titles_comments_and_analyses_is_inert(client, api_as, people, payload):
    api = api_as(people["support"])
    issue = api.post("/issues", json={"title": payload, "phenomenon": payload, "source": "internal",
                                      "analysis": payload}).json
    api.post(f"/issues/{issue['id']}/comments", json={"body": payload})
    switch(client, people["support"])
    for url in (f"/issues/{issue['id']}", "/issues/", "/"):
        assert_inert(client.get(url).get_data(as_text=True))
