"""An upgrade plan on the same engine: approval, development, a test in
which marketing and customer service take part, release, promotion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import DEFAULT_PASSWORD as PW

SOON = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


@pytest.fixture
def people(make_user):
    return {"rd": make_user("author", "RD"), "rd_head": make_user("dept_head", "RD"),
            "leader": make_user("leader", "MGMT"), "mkt": make_user("author", "MKT"),
            "cs": make_user("support", "CS"), "qc": make_user("qc", "QC")}


def test_upgrade_plan_from_approval_to_promotion(api_as, people):
    apis = {k: api_as(u) for k, u in people.items()}
    plan = apis["rd"].post("/plans", json={"kind": "upgrade", "title": "X200 韌體 3.0", "features": "靜音模式",
                                           "approach": "PWM 風扇控制", "test_plan": "高溫 48 小時",
                                           "release_date": SOON, "department": "RD"}).json
    assert plan["partner_departments"] == ["CS", "MKT"]
    pid = plan["id"]
    bad = apis["rd"].post(f"/plans/{pid}/measures", json={"type": "corrective", "description": "x",
                                                          "owner_id": people["rd"].id, "due_date": SOON})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "type"
    ids = {}
    for name, kind in (("rd", "development"), ("mkt", "test"), ("cs", "test")):
        response = apis["rd"].post(f"/plans/{pid}/measures", json={
            "type": kind, "description": f"{kind} by {name}", "owner_id": people[name].id, "due_date": SOON})
        assert response.status_code == 201, response.json
        ids[name] = response.json["id"]
    act = lambda who, **p: apis[who].post(f"/plans/{pid}/actions", json=p)  # noqa: E731
    assert act("rd", action="submit").json["state"] == "pending_approval"
    assert act("leader", action="approve", password=PW).json["state"] == "development"
    assert act("rd", action="test").json["state"] == "testing"
    apis["mkt"].patch(f"/plans/{pid}/measures/{ids['mkt']}", json={"status": "done"})
    early = act("rd_head", action="release")
    assert early.status_code == 409 and "test" in early.json["error"]["message"]
    assert apis["cs"].patch(f"/plans/{pid}/measures/{ids['cs']}", json={"status": "done"}).status_code == 200
    assert act("rd", action="release").status_code == 403
    released = act("rd_head", action="release").json
    assert released["state"] == "released" and released["released_at"]
    assert act("mkt", action="promote").json["state"] == "closed"


def test_without_customer_service_in_the_test_there_is_no_release(api_as, people):
    apis = {k: api_as(u) for k, u in people.items()}
    pid = apis["rd"].post("/plans", json={"kind": "upgrade", "title": "X300 2.0", "department": "RD"}).json["id"]
    mid = apis["rd"].post(f"/plans/{pid}/measures", json={"type": "test", "description": "市場試用",
                                                          "owner_id": people["mkt"].id, "due_date": SOON}).json["id"]
    apis["rd"].post(f"/plans/{pid}/actions", json={"action": "submit"})
    apis["leader"].post(f"/plans/{pid}/actions", json={"action": "approve", "password": PW})
    apis["rd"].post(f"/plans/{pid}/actions", json={"action": "test"})
    apis["mkt"].patch(f"/plans/{pid}/measures/{mid}", json={"status": "done"})
    refused = apis["rd_head"].post(f"/plans/{pid}/actions", json={"action": "release"})
    assert refused.status_code == 409 and "CS" in refused.json["error"]["message"]


def test_plan_pages(client, login, api_as, people):
    apis = {k: api_as(u) for k, u in people.items()}
    login(people["rd"])
    issue = apis["cs"].post("/issues", json={"title": "X200 風扇異音", "source": "internal"}).json
    page = client.get(f"/plans/new?issue_id={issue['id']}").get_data(as_text=True)
    assert f'name="issue_id" value="{issue["id"]}"' in page
    response = client.post("/plans/new", data={"kind": "improvement", "title": "風扇異音改善", "department": "RD",
                                               "goal": "異音投訴為零", "issue_id": str(issue["id"])})
    assert response.status_code == 302
    plan_url = response.headers["Location"]
    pid = int(plan_url.rstrip("/").split("/")[-1])
    client.post(f"/plans/{pid}/measures", data={"type": "corrective", "description": "更換軸承",
                                                "owner_id": str(people["rd"].id), "due_date": SOON})
    client.post(f"/plans/{pid}/act/submit", data={})
    page = client.get(plan_url).get_data(as_text=True)
    assert "更換軸承" in page and 'data-state="pending_approval"' in page and "X200 風扇異音" in page
    assert "風扇異音改善" in client.get("/plans/").get_data(as_text=True)
    client.post("/logout")
    login(people["leader"])
    page = client.get(plan_url).get_data(as_text=True)
    assert 'data-action="approve"' in page and 'type="password"' in page
    client.post(f"/plans/{pid}/act/approve", data={"password": "wrong"})
    assert 'data-state="pending_approval"' in client.get(plan_url).get_data(as_text=True)
    client.post(f"/plans/{pid}/act/approve", data={"password": PW})
    assert 'data-state="in_progress"' in client.get(plan_url).get_data(as_text=True)
    client.post("/logout")
    login(people["rd"])
    assert 'data-form="edit-plan"' in client.get(plan_url).get_data(as_text=True)
    client.post(f"/plans/{pid}/edit", data={"goal": "異音投訴減半", "check_date": ""})
    page = client.get(plan_url).get_data(as_text=True)
    assert 'data-state="pending_approval"' in page and "異音投訴減半" in page  # approved goal changed


def test_demo_data_has_an_effective_plan_and_one_sent_back(app, runner):
    from sqlalchemy import select

    from app.extensions import db
    from app.improvement.models import Plan

    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    plans = {p.title: p for p in db.session.scalars(select(Plan))}
    effective, sent_back = plans["X200 過熱改善措施計畫"], plans["M10 異音改善措施計畫"]
    assert effective.state == "closed" and effective.first_check_effective is True
    assert {d.relation for d in effective.documents} == {"analysis", "changed"}
    assert sent_back.state == "sent_back" and sent_back.first_check_effective is False
    assert len(sent_back.measures) == 2 and sent_back.measures[-1].status == "open"
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    assert db.session.query(Plan).count() == 2
