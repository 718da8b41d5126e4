"""Problem reports through the API: recording, triage, work, links, lists."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.issues.models import Issue
from tests.factories import add_version

REPORT = {"title": "X200 高溫跳 E03", "phenomenon": "運轉兩小時後過熱停機", "found_at": "2026-11-04T09:30:00+08:00",
          "found_by": "蘇州客戶", "location": "客戶現場", "scope": "B2311 批次", "source": "customer",
          "customer_ref": "C-231104", "product": "X200"}


@pytest.fixture
def people(make_user):
    return {"support": make_user("support", "CS"), "rd": make_user("author", "RD"),
            "rd_head": make_user("dept_head", "RD"), "qc": make_user("qc", "QC"),
            "prod": make_user("author", "PROD")}


@pytest.fixture
def apis(api_as, people):
    return {name: api_as(user) for name, user in people.items()}


def test_anyone_records_a_report(apis):
    response = apis["prod"].post("/issues", json=REPORT)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["state"] == "reported" and body["title"] == REPORT["title"]
    assert body["found_at"].startswith("2026-11-04T01:30:00")  # stored in UTC
    assert body["customer_ref"] == "C-231104" and body["reported_by"].startswith("author")
    assert body["history"][0]["action"] == "report"


@pytest.mark.parametrize("field, value", [("source", "twitter"), ("category", "cosmetic"),
                                          ("severity", 7), ("department", "NOPE"), ("found_at", "yesterday")])
def test_unknown_values_are_400_naming_the_field(apis, field, value):
    # Triage fields go together; the other two are valid so the bad one is named.
    triage = {"category": "quality", "severity": 2, "department": "RD"}
    extra = triage if field in triage else {}
    response = apis["support"].post("/issues", json={**REPORT, **extra, field: value})
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["message"]
    assert db.session.query(Issue).count() == 0


def test_customer_reports_need_a_customer_reference(apis):
    response = apis["support"].post("/issues", json={**REPORT, "customer_ref": ""})
    assert response.status_code == 400 and "customer_ref" in response.json["error"]["message"]


def test_classifying_at_creation_needs_the_right_to_triage(apis):
    fields = {"category": "quality", "severity": 1, "department": "RD"}
    assert apis["prod"].post("/issues", json={**REPORT, **fields}).status_code == 403
    response = apis["support"].post("/issues", json={**REPORT, **fields})
    assert response.status_code == 201 and response.json["state"] == "triaged"


@pytest.mark.parametrize("severity, days", [(1, 3), (2, 10), (3, 30)])
def test_due_date_follows_the_severity(apis, severity, days):
    issue = apis["support"].post("/issues", json=REPORT).json
    response = apis["support"].post(f"/issues/{issue['id']}/actions", json={
        "action": "triage", "category": "quality", "severity": severity, "department": "RD"})
    body = response.json
    due = datetime.fromisoformat(body["due_at"]) - datetime.fromisoformat(body["triaged_at"])
    assert due == timedelta(days=days)
    assert body["department"] == "RD" and body["severity"] == severity


def test_due_days_are_configurable(app, apis):
    app.config["ISSUE_DUE_DAYS"] = {1: 1, 2: 5, 3: 15}
    issue = apis["support"].post("/issues", json=REPORT).json
    body = apis["support"].post(f"/issues/{issue['id']}/actions", json={
        "action": "triage", "category": "quality", "severity": 2, "department": "RD"}).json
    assert datetime.fromisoformat(body["due_at"]) - datetime.fromisoformat(body["triaged_at"]) == timedelta(days=5)


def test_full_flow_with_requirements(apis):
    issue_id = apis["support"].post("/issues", json=REPORT).json["id"]
    post = lambda who, **payload: apis[who].post(f"/issues/{issue_id}/actions", json=payload)  # noqa: E731
    assert post("support", action="triage", category="quality", severity=1).status_code == 400
    assert post("support", action="triage", category="quality", severity=1, department="RD").status_code == 200
    assert post("prod", action="start").status_code == 403
    assert post("rd", action="start").status_code == 200
    missing = post("rd", action="resolve")
    assert missing.status_code == 400 and "resolution" in missing.json["error"]["message"]
    assert post("rd", action="resolve", analysis="導熱膏不均", resolution="改網版印刷").status_code == 200
    no_comment = post("qc", action="send_back")
    assert no_comment.status_code == 400 and "comment" in no_comment.json["error"]["message"]
    assert post("qc", action="send_back", comment="請附高溫測試數據").json["state"] == "in_progress"
    assert post("rd", action="resolve", resolution="改網版印刷並加風扇").status_code == 200
    assert post("qc", action="verify").json["state"] == "verified"
    assert post("rd", action="close").status_code == 403
    # A customer's report closes only once the reply to the customer is recorded.
    assert post("qc", action="close").status_code == 409
    assert apis["support"].post(f"/issues/{issue_id}/replies", json={"text": "已更換"}).status_code == 201
    closed = post("qc", action="close").json
    assert closed["state"] == "closed" and closed["closed_at"]
    assert post("support", action="reopen").status_code == 400
    reopened = post("support", action="reopen", comment="客戶再次反映").json
    assert reopened["state"] == "in_progress" and reopened["reopen_count"] == 1
    assert reopened["closed_at"] is None
    kinds = [c["kind"] for c in reopened["comments"]]
    assert kinds == ["send_back", "reopen"]
    actions = [e["action"] for e in reopened["history"]]
    assert actions == ["report", "triage", "start", "resolve", "send_back", "resolve", "verify", "reply", "close",
                       "reopen"]
    assert post("qc", action="fly").status_code == 400


def test_patch_edits_fields_not_the_state(apis):
    issue_id = apis["prod"].post("/issues", json=REPORT).json["id"]
    response = apis["prod"].patch(f"/issues/{issue_id}", json={"scope": "B2311 與 B2312"})
    assert response.status_code == 200 and response.json["scope"] == "B2311 與 B2312"
    assert apis["prod"].patch(f"/issues/{issue_id}", json={"state": "closed"}).status_code == 400
    assert apis["qc"].patch(f"/issues/{issue_id}", json={"scope": "x"}).status_code == 403
    assert response.json["history"][-1]["action"] == "edit"


def test_comments_are_markdown_sanitised(apis):
    issue_id = apis["rd"].post("/issues", json=REPORT).json["id"]
    response = apis["rd"].post(f"/issues/{issue_id}/comments",
                               json={"body": "**已拆解** 3 台 <script>alert(1)</script>"})
    assert response.status_code == 201
    assert "<strong>已拆解</strong>" in response.json["body_html"]
    assert "<script" not in response.json["body_html"]
    assert apis["prod"].post(f"/issues/{issue_id}/comments", json={"body": ""}).status_code in (400, 403)


def test_links_show_the_document_state_and_warn_when_stale(apis, people, make_document, api_as):
    document = make_document(people["rd"], title="X200 說明書", content="v1\n")
    document.versions[0].state = "effective"
    db.session.commit()
    issue_id = apis["support"].post("/issues", json=REPORT).json["id"]
    link = apis["support"].post(f"/issues/{issue_id}/links",
                                json={"document_id": document.id, "version": 1, "relation": "manual"})
    assert link.status_code == 201, link.json
    [view] = link.json["links"]
    assert (view["title"], view["version"], view["effective_version"], view["stale"]) == ("X200 說明書", 1, 1, False)
    again = apis["support"].post(f"/issues/{issue_id}/links",
                                 json={"document_id": document.id, "version": 1, "relation": "manual"})
    assert again.status_code == 409
    bad = apis["support"].post(f"/issues/{issue_id}/links",
                               json={"document_id": document.id, "version": 1, "relation": "friend"})
    assert bad.status_code == 400 and "relation" in bad.json["error"]["message"]
    assert apis["support"].post(f"/issues/{issue_id}/links", json={
        "document_id": document.id, "version": 9, "relation": "manual"}).status_code == 404

    add_version(document, people["rd"], "v2\n")
    document.versions[0].state = "obsolete"
    document.versions[1].state = "effective"
    db.session.commit()
    [view] = apis["support"].get(f"/issues/{issue_id}").json["links"]
    assert view["stale"] is True and view["effective_version"] == 2

    listed = apis["rd"].get(f"/documents/{document.id}").json["issues"]
    assert listed == [{"id": issue_id, "title": REPORT["title"], "state": "reported", "version": 1,
                       "relation": "manual"}]
    assert apis["support"].delete(f"/issues/{issue_id}/links/{view['id']}").status_code == 204
    assert apis["support"].get(f"/issues/{issue_id}").json["links"] == []


def test_restricted_documents_cannot_be_linked_by_outsiders(apis, people, make_document):
    document = make_document(people["qc"], title="內部", category="quality", doc_type="inspection_report",
                             confidentiality="restricted")
    issue_id = apis["support"].post("/issues", json=REPORT).json["id"]
    response = apis["support"].post(f"/issues/{issue_id}/links",
                                    json={"document_id": document.id, "version": 1, "relation": "other"})
    assert response.status_code == 404


def test_list_filters_sort_and_overdue(apis):
    def make(title, severity, department, source="internal", product="X200"):
        issue = apis["support"].post("/issues", json={**REPORT, "title": title, "source": source,
                                                      "product": product, "customer_ref": "C-1"}).json
        apis["support"].post(f"/issues/{issue['id']}/actions", json={
            "action": "triage", "category": "quality", "severity": severity, "department": department})
        return issue["id"]

    a = make("A", 3, "RD")
    b = make("B", 1, "QC", source="production", product="M10")
    c = make("C", 2, "RD", source="qc")
    overdue = db.session.get(Issue, c)
    overdue.due_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()

    def ids(**query):
        response = apis["support"].get("/issues", query_string=query)
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert ids(department="RD", sort="severity") == [c, a]
    assert ids(sort="severity") == [b, c, a]
    assert ids(sort="due")[0] == c
    assert ids(severity=1) == [b]
    assert ids(product="M10") == [b]
    assert ids(source="production") == [b]
    assert ids(overdue="true") == [c]
    assert ids(state="triaged", category="quality", sort="severity") == [b, c, a]
    assert apis["support"].get("/issues", query_string={"severity": 9}).status_code == 400
    assert apis["support"].get("/issues", query_string={"department": "NOPE"}).status_code == 400
    item = apis["support"].get(f"/issues/{c}").json
    assert item["overdue"] is True


def test_csv_export_has_bom_and_chinese(apis, client, login, people):
    apis["support"].post("/issues", json=REPORT)
    apis["support"].post("/issues", json={**REPORT, "title": "=HYPERLINK(\"http://evil\")", "product": "M10"})
    response = apis["support"].get("/issues/export.csv", query_string={"product": "X200"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "title", "state"]
    assert [r[1] for r in rows[1:]] == ["X200 高溫跳 E03"]
    login(people["support"])
    page = client.get("/issues/export.csv")
    rows = list(csv.reader(io.StringIO(page.data.decode("utf-8-sig"))))
    assert any(r[1].startswith("'=HYPERLINK") for r in rows[1:])  # formula neutralised
