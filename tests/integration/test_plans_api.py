"""Improvement-measure plans through the API: drawing up from reports,
approval by a leader's signature, actions, re-approval, the effectiveness
check, documents changed under a plan, search, notifications, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.clock import company_today
from app.extensions import db
from app.improvement.models import Plan
from app.notify.models import Notification
from tests.factories import DEFAULT_PASSWORD as PW


def today():
    """The service's today, a day of the company's calendar, read when a
    test runs (not when the module is imported: a run can cross midnight)."""
    return company_today()


def tomorrow():
    return today() + timedelta(days=1)


@pytest.fixture
def people(make_user):
    return {
        "support": make_user("support", "CS"),
        "rd": make_user("author", "RD"),
        "rd2": make_user("author", "RD"),
        "rd_head": make_user("dept_head", "RD"),
        "qc": make_user("qc", "QC"),
        "leader": make_user("leader", "MGMT"),
        "prod": make_user("author", "PROD"),
        "mkt": make_user("author", "MKT"),
    }


@pytest.fixture
def apis(api_as, people):
    return {name: api_as(user) for name, user in people.items()}


@pytest.fixture
def report(apis):
    return (
        apis["support"]
        .post(
            "/issues",
            json={
                "title": "X200 風扇異音",
                "phenomenon": "三台客戶機運轉異音",
                "source": "customer",
                "customer_ref": "C-1",
                "product": "X200",
                "category": "quality",
                "severity": 2,
                "department": "RD",
            },
        )
        .json
    )


def new_plan(apis, report, **extra):
    body = {
        "kind": "improvement",
        "title": "X200 風扇異音改善",
        "problem": "風扇軸承異音重複發生",
        "root_cause": "軸承潤滑脂不足",
        "goal": "三個月內異音投訴為零",
        "check_date": today().isoformat(),
        "issue_ids": [report["id"]],
        "product": "X200",
        "department": "RD",
        **extra,
    }
    response = apis["rd"].post("/plans", json=body)
    assert response.status_code == 201, response.json
    return response.json


def measure(apis, plan, who="rd", **extra):
    body = {
        "type": "corrective",
        "description": "更換軸承供應商",
        "owner_id": None,
        "due_date": (today() + timedelta(days=10)).isoformat(),
        **extra,
    }
    return apis[who].post(f"/plans/{plan['id']}/measures", json=body)


def act(apis, plan, who, **payload):
    return apis[who].post(f"/plans/{plan['id']}/actions", json=payload)


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_whole_loop_effective(apis, people, report):
    plan = new_plan(apis, report)
    assert plan["state"] == "draft" and plan["issue_ids"] == [report["id"]]
    assert measure(apis, plan, owner_id=people["rd2"].id).status_code == 201
    assert act(apis, plan, "rd", action="submit").json["state"] == "pending_approval"
    # Approval is a leader's signature: the password in the same request.
    assert act(apis, plan, "rd_head", action="approve", password=PW).status_code == 403
    assert act(apis, plan, "leader", action="approve").status_code == 401
    assert (
        act(apis, plan, "leader", action="approve", password="wrong").json["error"]["code"]
        == "wrong_password"
    )
    approved = act(apis, plan, "leader", action="approve", password=PW).json
    assert approved["state"] == "in_progress" and approved["revision"] == 1
    assert (
        approved["signatures"][0]["meaning"] == "approved"
        and approved["signatures"][0]["method"] == "password"
    )
    mid = approved["measures"][0]["id"]
    # Only the owner, the head, QC or a leader record progress.
    assert (
        apis["prod"].patch(f"/plans/{plan['id']}/measures/{mid}", json={"status": "done"}).status_code == 403
    )
    assert act(apis, plan, "qc", action="check", effective=True).status_code == 409  # action still open
    done = apis["rd2"].patch(
        f"/plans/{plan['id']}/measures/{mid}", json={"status": "done", "progress": "已換"}
    )
    assert done.status_code == 200 and done.json["status"] == "done"
    assert act(apis, plan, "rd_head", action="check", effective=True).status_code == 403
    assert act(apis, plan, "qc", action="check").status_code == 400  # effective missing
    closed = act(apis, plan, "qc", action="check", effective=True).json
    assert (
        closed["state"] == "closed" and closed["first_check_effective"] is True and closed["check_count"] == 1
    )
    verbs = [e["action"] for e in closed["history"]]
    assert verbs == ["create", "add_measure", "submit", "approve", "measure_progress", "check_effective"]
    qc_told = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == people["qc"].id, Notification.kind == "plan_check_due")
    )
    assert qc_told == 1


def test_not_effective_goes_back_with_reason_and_new_actions_need_approval(apis, people, report):
    plan = new_plan(apis, report)
    mid = measure(apis, plan, owner_id=people["rd"].id).json["id"]
    act(apis, plan, "rd", action="submit")
    act(apis, plan, "leader", action="approve", password=PW)
    apis["rd"].patch(f"/plans/{plan['id']}/measures/{mid}", json={"status": "done"})
    no_reason = act(apis, plan, "qc", action="check", effective=False)
    assert no_reason.status_code == 400 and no_reason.json["error"]["field"] == "comment"
    back = act(apis, plan, "qc", action="check", effective=False, comment="異音仍在").json
    assert back["state"] == "sent_back" and back["first_check_effective"] is False
    assert measure(apis, plan, type="preventive", owner_id=people["rd2"].id).status_code == 201
    assert act(apis, plan, "rd", action="submit").json["state"] == "pending_approval"
    again = act(apis, plan, "leader", action="approve", password=PW).json
    assert again["state"] == "in_progress" and again["revision"] == 2
    rd_told = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == people["rd"].id)
    ).all()
    assert "plan_sent_back" in rd_told


def test_changing_an_approved_goal_or_actions_needs_re_approval(apis, people, report):
    plan = new_plan(apis, report)
    measure(apis, plan, owner_id=people["rd"].id)
    act(apis, plan, "rd", action="submit")
    act(apis, plan, "leader", action="approve", password=PW)
    # progress is not a change of the plan
    changed = apis["rd"].patch(f"/plans/{plan['id']}", json={"goal": "異音投訴減半"}).json
    assert changed["state"] == "pending_approval" and changed["goal"] == "異音投訴減半"
    act(apis, plan, "leader", action="approve", password=PW)
    added = measure(apis, plan, type="containment", owner_id=people["rd"].id)
    assert added.status_code == 201
    assert apis["rd"].get(f"/plans/{plan['id']}").json["state"] == "pending_approval"
    # while a leader decides, the plan cannot be edited
    assert apis["rd"].patch(f"/plans/{plan['id']}", json={"goal": "x"}).status_code == 409


def test_check_waits_for_the_check_date(apis, people, report):
    plan = new_plan(apis, report, check_date=tomorrow().isoformat())
    mid = measure(apis, plan, owner_id=people["rd"].id).json["id"]
    act(apis, plan, "rd", action="submit")
    act(apis, plan, "leader", action="approve", password=PW)
    apis["rd"].patch(f"/plans/{plan['id']}/measures/{mid}", json={"status": "done"})
    early = act(apis, plan, "qc", action="check", effective=True)
    assert early.status_code == 409 and tomorrow().isoformat() in early.json["error"]["message"]


def test_reject_needs_a_comment_and_signs(apis, people, report):
    plan = new_plan(apis, report)
    measure(apis, plan, owner_id=people["rd"].id)
    act(apis, plan, "rd", action="submit")
    assert act(apis, plan, "leader", action="reject", password=PW).status_code == 400
    rejected = act(apis, plan, "leader", action="reject", password=PW, comment="目標不可量測").json
    assert rejected["state"] == "draft" and rejected["signatures"][0]["meaning"] == "rejected"


def test_a_plan_without_actions_is_not_approved(apis, report):
    plan = new_plan(apis, report)
    act(apis, plan, "rd", action="submit")
    assert act(apis, plan, "leader", action="approve", password=PW).status_code == 409


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "kaizen"}, "kind"),
        ({"check_date": "2001-01-01"}, "check_date"),
        ({"check_date": "soon"}, "check_date"),
        ({"issue_ids": [987654]}, "issue_ids"),
        ({"department": "NOPE"}, "department"),
        ({"title": ""}, "title"),
        ({"goal": "x" * 10_001}, "goal"),
    ],
)
def test_bad_plans_are_400_naming_the_field(apis, report, body, field):
    before = events()
    response = apis["rd"].post("/plans", json={"title": "t", "department": "RD", **body})
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["message"]
    assert events() == before and db.session.query(Plan).count() == 0


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"type": "magic"}, "type"),
        ({"owner": "prod"}, "owner_id"),  # outside the allowed departments
        ({"due_date": "yesterday"}, "due_date"),  # the day before today(), when the test runs
        ({"owner_id": 987654}, "owner_id"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_actions_are_400_naming_the_field(apis, people, report, extra, field):
    plan = new_plan(apis, report)
    owner = people[extra.pop("owner", "rd")]
    if extra.get("due_date") == "yesterday":
        extra["due_date"] = (today() - timedelta(days=1)).isoformat()
    response = measure(apis, plan, **{"owner_id": owner.id, **extra})
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["message"]


def test_partner_departments_widen_who_may_own_an_action(apis, people, report):
    plan = new_plan(apis, report, partner_departments=["PROD"])
    assert measure(apis, plan, owner_id=people["prod"].id).status_code == 201


def test_only_the_department_draws_up_and_adds_actions(apis, people, report):
    assert apis["prod"].post("/plans", json={"title": "t", "department": "RD"}).status_code == 403
    plan = new_plan(apis, report)
    measure(apis, plan, owner_id=people["rd"].id)
    assert measure(apis, plan, who="prod", owner_id=people["rd"].id).status_code == 404  # a draft: not theirs
    assert act(apis, plan, "rd", action="approve", password=PW).status_code == 409  # a draft is not approved
    assert act(apis, plan, "rd", action="submit").status_code == 200
    assert measure(apis, plan, who="prod", owner_id=people["rd"].id).status_code == 403
    assert act(apis, plan, "prod", action="reject", comment="x", password=PW).status_code == 403


def test_drafts_are_seen_by_their_department_qc_and_leaders(apis, report):
    plan = new_plan(apis, report)
    assert apis["prod"].get(f"/plans/{plan['id']}").status_code == 404
    assert apis["prod"].get("/plans").json["total"] == 0
    for who in ("rd2", "qc", "leader"):
        assert apis[who].get(f"/plans/{plan['id']}").status_code == 200
    assert apis["leader"].get("/plans?kind=improvement").json["total"] == 1


def test_documents_changed_under_a_plan(apis, people, report, make_document):
    manual = make_document(people["rd"], title="X200 使用手冊", content="風扇每年清潔一次。\n")
    plan = new_plan(apis, report)
    linked = apis["rd"].post(
        f"/plans/{plan['id']}/documents", json={"document_id": manual.id, "version": 1, "relation": "changed"}
    )
    assert linked.status_code == 201
    assert linked.json["documents"][0]["title"] == "X200 使用手冊"
    bad = apis["rd"].post(
        f"/plans/{plan['id']}/documents", json={"document_id": manual.id, "version": 1, "relation": "whim"}
    )
    assert bad.status_code == 400
    assert (
        apis["rd"]
        .post(
            f"/plans/{plan['id']}/documents",
            json={"document_id": manual.id, "version": 9, "relation": "changed"},
        )
        .status_code
        == 404
    )


def test_document_page_shows_why_it_changed(client, login, apis, people, report, make_document):
    manual = make_document(people["rd"], title="X200 使用手冊", content="風扇每年清潔一次。\n")
    plan = new_plan(apis, report)
    apis["rd"].post(
        f"/plans/{plan['id']}/documents", json={"document_id": manual.id, "version": 1, "relation": "changed"}
    )
    login(people["rd"])
    page = client.get(f"/documents/{manual.id}").get_data(as_text=True)
    assert "X200 風扇異音改善" in page and f"/plans/{plan['id']}" in page


def test_plans_are_searchable_within_permissions(apis, people, report):
    plan = new_plan(apis, report)
    measure(apis, plan, owner_id=people["rd"].id, description="改用高溫潤滑脂")
    hits = apis["rd"].get("/search", query_string={"q": "潤滑脂"}).json["items"]
    assert ("plan", plan["id"]) in {(h["kind"], h["id"]) for h in hits}
    outsider = apis["prod"].get("/search", query_string={"q": "潤滑脂"}).json
    assert all(h["kind"] != "plan" for h in outsider["items"])
    act(apis, plan, "rd", action="submit")  # submitted: everybody may find it
    hits = apis["prod"].get("/search", query_string={"q": "潤滑脂", "kind": "plan"}).json["items"]
    assert [h["id"] for h in hits] == [plan["id"]]


def test_similar_reports_offer_past_plans(apis, people, report):
    plan = new_plan(apis, report, title="風扇異音 軸承 改善")
    act_measure = measure(apis, plan, owner_id=people["rd"].id, description="風扇異音 軸承 潤滑")
    assert act_measure.status_code == 201
    act(apis, plan, "rd", action="submit")
    other = (
        apis["support"]
        .post(
            "/issues",
            json={
                "title": "風扇異音",
                "phenomenon": "軸承 異音 風扇",
                "source": "internal",
                "product": "X200",
            },
        )
        .json
    )
    similar = apis["support"].get(f"/issues/{other['id']}/similar").json
    items = similar["items"] if isinstance(similar, dict) else similar
    assert ("plan", plan["id"]) in {(s["kind"], s["id"]) for s in items}


def test_every_change_is_audited_in_the_same_transaction(apis, people, report):
    plan = new_plan(apis, report)
    before = events()
    measure(apis, plan, owner_id=people["rd"].id)
    assert events() == before + 1
    refused = measure(apis, plan, owner_id=people["prod"].id)
    assert refused.status_code == 400 and events() == before + 1


@pytest.mark.parametrize(
    "body, field, status",
    [
        ({"check_date": "2001-01-01"}, "check_date", 400),
        ({"partner_departments": ["NOPE"]}, "partner_departments", 400),
        ({"issue_ids": [987654]}, "issue_ids", 400),
        ({"title": "   "}, "title", 400),
        ({"root_cause": "x" * 10_001}, "root_cause", 400),
    ],
)
def test_bad_plan_edits_are_400_naming_the_field(apis, report, body, field, status):
    plan = new_plan(apis, report)
    response = apis["rd"].patch(f"/plans/{plan['id']}", json=body)
    assert response.status_code == status and field in response.json["error"]["message"]
    assert apis["prod"].patch(f"/plans/{plan['id']}", json={"goal": "x"}).status_code == 404


def test_progress_rules(apis, people, report):
    plan = new_plan(apis, report)
    mid = measure(apis, plan, owner_id=people["rd2"].id).json["id"]
    url = f"/plans/{plan['id']}/measures/{mid}"
    assert apis["rd2"].patch(url, json={"status": "done"}).status_code == 409  # not approved yet
    act(apis, plan, "rd", action="submit")
    act(apis, plan, "leader", action="approve", password=PW)
    bad = apis["rd2"].patch(url, json={"status": "finished"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "status"
    assert apis["rd2"].patch(url, json={"progress": "x" * 10_001}).status_code == 400
    assert (
        apis["rd"].patch(url, json={"progress": "not mine"}).status_code == 403
    )  # not owner, head, QC, leader
    for who in ("rd2", "rd_head", "qc", "leader"):
        assert apis[who].patch(url, json={"progress": f"by {who}"}).status_code == 200, who
    assert (
        apis["rd2"].patch(f"/plans/{plan['id']}/measures/987654", json={"progress": "x"}).status_code == 404
    )


def test_action_owner_is_told(apis, people, report):
    plan = new_plan(apis, report)
    measure(apis, plan, owner_id=people["rd2"].id)
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == people["rd2"].id)
    ).all()
    assert "action_assigned" in kinds
    act(apis, plan, "rd", action="submit")
    leader_kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == people["leader"].id)
    ).all()
    assert "plan_approval_requested" in leader_kinds


def test_the_inbox_shows_what_waits_for_me(client, login, apis, people, report):
    plan = new_plan(apis, report)
    mid = measure(apis, plan, owner_id=people["rd2"].id, description="更換軸承供應商").json["id"]
    act(apis, plan, "rd", action="submit")
    apis["rd_head"].patch(f"/issues/{report['id']}", json={"assignee_id": people["rd2"].id})
    page = login(people["leader"]).get("/approvals/inbox").get_data(as_text=True)
    assert 'data-list="plans-to-approve"' in page and "X200 風扇異音改善" in page
    act(apis, plan, "leader", action="approve", password=PW)
    client.post("/logout")
    page = login(people["rd2"]).get("/approvals/inbox").get_data(as_text=True)
    assert "更換軸承供應商" in page and "X200 風扇異音" in page  # my action, the report assigned to me
    apis["rd2"].patch(f"/plans/{plan['id']}/measures/{mid}", json={"status": "done"})
    client.post("/logout")
    page = login(people["qc"]).get("/approvals/inbox").get_data(as_text=True)
    assert 'data-list="plans-to-check"' in page and "X200 風扇異音改善" in page


def test_the_plan_rule_renders_the_same_in_python_sql_and_search(app, people, report):
    from app.improvement import service as plan_service
    from app.improvement.policy import can_view_plan, visible_plans_clause
    from app.search import index
    from app.search.service import permission_query

    plans = []
    for state in ("draft", "pending_approval", "in_progress", "closed"):
        plan = plan_service.create_plan(people["rd"], {"title": f"plan {state}", "department": "RD"})
        plan.state = state
        plans.append(plan)
    db.session.commit()
    from app.search import indexer

    for plan in plans:
        from app.search.outbox import queue_index

        queue_index("plan", plan.id)
    db.session.commit()
    indexer.drain(app.config)
    searcher = index.searchers.get(app.config)
    for name, user in people.items():
        by_python = {p.id for p in plans if can_view_plan(user, p)}
        by_sql = set(db.session.scalars(select(Plan.id).where(visible_plans_clause(user))))
        allowed = searcher.search(permission_query(user), limit=None)
        by_search = {hit["object_id"] for hit in allowed if hit["kind"] == "plan"}
        assert by_python == by_sql == by_search, name
        assert (plans[0].id in by_python) == (name in ("rd", "rd2", "rd_head", "qc", "leader")), name
