"""Every (kind, state, action, actor) cell of the plan workflows through the API.

Expected outcomes are written out here, not read from app/improvement/states.py.
Each plan is put in its state with every requirement met (actions done,
check date reached, marketing and customer service in the test), so a
refusal is the table's or the permission's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.service import department_by_code
from app.extensions import db
from app.improvement.models import Plan, PlanMeasure
from tests.factories import DEFAULT_PASSWORD as PW

ACTIONS = ["submit", "approve", "reject", "check_yes", "check_no", "reopen", "test", "release", "send_back",
           "promote"]
ACTORS = ["creator", "rd_member", "rd_head", "leader", "qc", "mkt_member", "other", "admin"]
DEPARTMENT = {"creator", "rd_member", "rd_head", "admin"}
IMPROVEMENT = {
    **{("draft", "submit", a): "pending_approval" for a in DEPARTMENT},
    ("pending_approval", "approve", "leader"): "in_progress",
    ("pending_approval", "reject", "leader"): "draft",
    ("in_progress", "check_yes", "qc"): "closed",
    ("in_progress", "check_no", "qc"): "sent_back",
    **{("sent_back", "submit", a): "pending_approval" for a in DEPARTMENT},
    ("closed", "reopen", "qc"): "sent_back",
    ("closed", "reopen", "leader"): "sent_back",
}
UPGRADE = {
    **{("draft", "submit", a): "pending_approval" for a in DEPARTMENT},
    ("pending_approval", "approve", "leader"): "development",
    ("pending_approval", "reject", "leader"): "draft",
    **{("development", "test", a): "testing" for a in DEPARTMENT},
    ("testing", "release", "rd_head"): "released",
    ("testing", "release", "admin"): "released",
    **{("testing", "send_back", a): "development" for a in ("rd_head", "admin", "qc")},
    **{("released", "promote", a): "closed" for a in ("rd_head", "admin", "mkt_member")},
}
TABLES = {"improvement": IMPROVEMENT, "upgrade": UPGRADE}
STATES = {"improvement": ["draft", "pending_approval", "in_progress", "sent_back", "closed"],
          "upgrade": ["draft", "pending_approval", "development", "testing", "released", "closed"]}
SEES_DRAFTS = DEPARTMENT | {"leader", "qc"}


@pytest.fixture
def people(make_user):
    return {"creator": make_user("author", "RD"), "rd_member": make_user("author", "RD"),
            "rd_head": make_user("dept_head", "RD"), "leader": make_user("leader", "MGMT"),
            "qc": make_user("qc", "QC"), "mkt_member": make_user("author", "MKT"),
            "other": make_user("author", "PROD"), "admin": make_user("admin", "DA"),
            "cs_member": make_user("author", "CS")}


def new_plan(people, kind, state) -> Plan:
    plan = Plan(kind=kind, title="X200 改善", department_id=department_by_code("RD").id,
                created_by_id=people["creator"].id, state=state, partner_departments=["MKT", "CS"],
                check_date=datetime.now(UTC).date())
    db.session.add(plan)
    db.session.flush()
    types = ("corrective",) if kind == "improvement" else ("test", "test")
    for owner, kind_of in zip(("mkt_member", "cs_member"), types, strict=False):
        db.session.add(PlanMeasure(plan_id=plan.id, type=kind_of, description="m", owner_id=people[owner].id,
                                   due_date=datetime.now(UTC).date(), status="done", done_at=datetime.now(UTC)))
    db.session.commit()
    return plan


def payload(action: str) -> dict:
    body = {"comment": "reason given", "password": PW}
    if action.startswith("check"):
        return {**body, "action": "check", "effective": action == "check_yes"}
    return {**body, "action": action}


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("kind, state", [(k, s) for k, states in STATES.items() for s in states])
def test_every_cell(api_as, people, kind, state):
    apis = {name: api_as(people[name]) for name in ACTORS}
    table = TABLES[kind]
    state_allows = {(s, a) for s, a, _ in table}
    plan = new_plan(people, kind, state)
    for action in ACTIONS:
        for actor in ACTORS:
            if plan.state != state:  # the last cell moved it: start again from the state under test
                plan = new_plan(people, kind, state)
            before = events()
            response = apis[actor].post(f"/plans/{plan.id}/actions", json=payload(action))
            db.session.refresh(plan)
            expected = table.get((state, action, actor))
            cell = (kind, state, action, actor)
            if state == "draft" and actor not in SEES_DRAFTS:
                assert response.status_code == 404, cell
            elif expected:
                assert response.status_code == 200, (cell, response.json)
                assert plan.state == expected and events() == before + 1, cell
            else:
                wanted = 403 if (state, action) in state_allows else 409
                assert response.status_code == wanted, (cell, response.json)
                assert plan.state == state and events() == before, cell
