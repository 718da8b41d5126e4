"""Responsible people and teams on a report, notifications on every
transition, the customer's side (channel, contact, replies, follow-ups):
permissions, bad input, and where contact details never go."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notify.models import Notification

REPORT = {"title": "X200 噪音投訴", "phenomenon": "客戶抱怨運轉噪音", "source": "customer",
          "customer_ref": "C-77", "product": "X200", "channel": "phone", "contact": "王小姐 0912-345-678"}


@pytest.fixture
def people(make_user):
    return {"support": make_user("support", "CS"), "cs": make_user("author", "CS"),
            "rd": make_user("author", "RD"), "rd2": make_user("author", "RD"),
            "rd_head": make_user("dept_head", "RD"), "qc": make_user("qc", "QC"),
            "prod": make_user("author", "PROD"), "mkt_head": make_user("dept_head", "MKT")}


@pytest.fixture
def apis(api_as, people):
    return {name: api_as(user) for name, user in people.items()}


def triaged(apis):
    issue = apis["support"].post("/issues", json=REPORT).json
    apis["support"].post(f"/issues/{issue['id']}/actions", json={
        "action": "triage", "category": "quality", "severity": 2, "department": "RD"})
    return issue


def kinds_for(user) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def test_the_head_names_the_responsible_person_in_the_department(apis, people):
    issue = triaged(apis)
    url = f"/issues/{issue['id']}"
    assert apis["rd"].patch(url, json={"assignee_id": people["rd2"].id}).status_code == 403
    assert apis["mkt_head"].patch(url, json={"assignee_id": people["rd2"].id}).status_code == 403
    outside = apis["rd_head"].patch(url, json={"assignee_id": people["prod"].id})
    assert outside.status_code == 400 and outside.json["error"]["field"] == "assignee_id"
    assert apis["rd_head"].patch(url, json={"assignee_id": 987654}).status_code == 400
    body = apis["rd_head"].patch(url, json={"assignee_id": people["rd2"].id}).json
    assert body["assignee_id"] == people["rd2"].id and body["history"][-1]["action"] == "assign"
    assert "issue_assigned" in kinds_for(people["rd2"])
    mine = apis["rd2"].get("/issues", query_string={"assigned": "me"}).json
    assert [i["id"] for i in mine["items"]] == [issue["id"]]
    assert apis["rd"].get("/issues", query_string={"assigned": "me"}).json["total"] == 0


def test_a_report_is_triaged_before_people_are_named(apis, people):
    issue = apis["support"].post("/issues", json=REPORT).json
    response = apis["rd_head"].patch(f"/issues/{issue['id']}", json={"assignee_id": people["rd2"].id})
    assert response.status_code == 409


def test_a_cross_department_team_may_comment_and_record_analysis(apis, people):
    issue = triaged(apis)
    url = f"/issues/{issue['id']}"
    assert apis["prod"].post(f"{url}/comments", json={"body": "產線有同樣現象"}).status_code == 403
    assert apis["prod"].patch(url, json={"analysis": "治具鬆動"}).status_code == 403
    assert apis["rd"].patch(url, json={"team_ids": [people["prod"].id]}).status_code == 403
    team = apis["rd_head"].patch(url, json={"team_ids": [people["prod"].id]}).json["team"]
    assert [m["department"] for m in team] == ["PROD"]
    assert "issue_team" in kinds_for(people["prod"])
    assert apis["prod"].post(f"{url}/comments", json={"body": "產線有同樣現象"}).status_code == 201
    assert apis["prod"].patch(url, json={"analysis": "治具鬆動"}).json["analysis"] == "治具鬆動"
    assert apis["prod"].patch(url, json={"title": "改標題"}).status_code == 403
    assert apis["prod"].get("/issues", query_string={"assigned": "me"}).json["total"] == 1


def test_every_transition_tells_who_acts_next(apis, people):
    issue = apis["rd"].post("/issues", json={**REPORT, "source": "internal", "channel": None, "contact": ""}).json
    assert "issue_reported" in kinds_for(people["support"])
    iid = issue["id"]
    post = lambda who, **p: apis[who].post(f"/issues/{iid}/actions", json=p)  # noqa: E731
    post("support", action="triage", category="quality", severity=2, department="RD")
    assert "issue_assigned" in kinds_for(people["rd_head"])
    post("rd", action="start")
    post("rd", action="resolve", resolution="換軸承")
    assert "issue_resolved" in kinds_for(people["qc"])
    post("qc", action="verify")
    post("qc", action="close")
    assert "issue_closed" in kinds_for(people["rd"])
    post("support", action="reopen", comment="再次發生")
    assert kinds_for(people["rd"]).count("issue_back") == 1


def test_contact_details_only_for_customer_service_and_responsible_people(apis, people):
    issue = triaged(apis)
    url = f"/issues/{issue['id']}"
    assert apis["support"].get(url).json["contact"] == REPORT["contact"]
    assert apis["support"].get(url).json["channel"] == "phone"
    assert apis["prod"].get(url).json["contact"] is None
    assert apis["rd"].get(url).json["contact"] is None  # in the department, but not responsible
    assert apis["rd_head"].get(url).json["contact"] == REPORT["contact"]
    apis["rd_head"].patch(url, json={"assignee_id": people["rd2"].id})
    assert apis["rd2"].get(url).json["contact"] == REPORT["contact"]
    # exports for other departments leave it out; search never indexes it
    for who, expected in (("prod", ""), ("support", REPORT["contact"])):
        body = apis[who].get("/issues/export.csv").data.decode("utf-8-sig")
        row = next(csv.DictReader(io.StringIO(body)))
        assert row["contact"] == expected
    hits = apis["support"].get("/search", query_string={"q": "0912-345-678"}).json
    assert hits["total"] == 0
    assert all("0912" not in h for item in apis["support"].get(
        "/search", query_string={"q": "噪音"}).json["items"] for h in item["highlights"])
    # the audit trail names the change, never the number
    apis["support"].patch(url, json={"contact": "王小姐 02-1234-5678"})
    history = apis["support"].get(url).json["history"]
    assert history[-1]["action"] == "customer_details" and "1234" not in str(history[-1])


@pytest.mark.parametrize("body, field", [({"channel": "pigeon"}, "channel"), ({"contact": "x" * 301}, "contact")])
def test_bad_customer_details_are_400(apis, body, field):
    issue = triaged(apis)
    response = apis["support"].patch(f"/issues/{issue['id']}", json=body)
    assert response.status_code == 400 and field in response.json["error"]["message"]


def test_reply_then_follow_up(apis, people):
    issue = triaged(apis)
    url = f"/issues/{issue['id']}"
    assert apis["support"].post(f"{url}/follow-ups", json={"score": 4}).status_code == 409  # no reply yet
    assert apis["prod"].post(f"{url}/replies", json={"text": "x"}).status_code == 403
    missing = apis["support"].post(f"{url}/replies", json={"text": ""})
    assert missing.status_code == 400 and missing.json["error"]["field"] == "text"
    future = apis["support"].post(f"{url}/replies", json={"text": "x", "sent_at": "2999-01-01T00:00:00+00:00"})
    assert future.status_code == 400 and future.json["error"]["field"] == "sent_at"
    reply = apis["support"].post(f"{url}/replies", json={"text": "已安排更換風扇", "accepted": True,
                                                         "remedy": "延長保固一年"})
    assert reply.status_code == 201 and reply.json["accepted"] is True
    for score in (0, 6, "5", 2.5, True):
        bad = apis["support"].post(f"{url}/follow-ups", json={"score": score})
        assert bad.status_code == 400 and "score" in bad.json["error"]["message"], score
    assert apis["rd_head"].post(f"{url}/follow-ups", json={"score": 5}).status_code == 403
    ok = apis["cs"].post(f"{url}/follow-ups", json={"score": 5, "comment": "很滿意"})
    assert ok.status_code == 201
    body = apis["support"].get(url).json
    assert [r["remedy"] for r in body["replies"]] == ["延長保固一年"]
    assert [f["score"] for f in body["follow_ups"]] == [5]
    assert [e["action"] for e in body["history"]][-2:] == ["reply", "follow_up"]


def test_internal_reports_have_no_customer_side(apis):
    issue = apis["rd"].post("/issues", json={"title": "內部", "source": "internal"}).json
    assert apis["support"].post(f"/issues/{issue['id']}/replies", json={"text": "x"}).status_code == 409
    bad = apis["support"].patch(f"/issues/{issue['id']}", json={"contact": "0912"})
    assert bad.status_code == 400


def test_the_report_page_shows_the_customer_side_to_those_who_may_see_it(client, login, apis, people):
    issue = triaged(apis)
    apis["support"].post(f"/issues/{issue['id']}/replies", json={"text": "已安排更換風扇"})
    page = login(people["support"]).get(f"/issues/{issue['id']}").get_data(as_text=True)
    assert "0912-345-678" in page and "已安排更換風扇" in page
    client.post("/logout")
    page = login(people["prod"]).get(f"/issues/{issue['id']}").get_data(as_text=True)
    assert "0912-345-678" not in page and "已安排更換風扇" in page
