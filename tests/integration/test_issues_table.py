"""Every (state, action, actor) cell of the problem-report workflow via the API.

Expected outcomes are written out here, not read from app/issues/workflow.py.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.issues.models import Issue

STATES = ["reported", "triaged", "in_progress", "resolved", "verified", "closed"]
ACTIONS = ["triage", "start", "resolve", "verify", "send_back", "close", "reopen"]
ACTORS = ["support", "cs_member", "head_resp", "member_resp", "other_member", "qc", "head_other", "admin"]
TRIAGERS = {"support", "cs_member", "head_resp", "head_other", "admin"}
RESPONSIBLE = {"head_resp", "member_resp", "admin"}
ALLOWED = {
    **{("reported", "triage", a): "triaged" for a in TRIAGERS},
    **{("triaged", "triage", a): "triaged" for a in TRIAGERS},
    **{("triaged", "start", a): "in_progress" for a in RESPONSIBLE},
    **{("in_progress", "resolve", a): "resolved" for a in RESPONSIBLE},
    ("resolved", "verify", "qc"): "verified",
    ("resolved", "send_back", "qc"): "in_progress",
    ("verified", "close", "qc"): "closed",
    ("verified", "close", "head_resp"): "closed",
    **{("closed", "reopen", a): "in_progress" for a in ("qc", "support", "head_resp", "admin")},
}
STATE_ALLOWS = {(s, a) for s, a, _ in ALLOWED}
PAYLOAD = {"comment": "reason given", "category": "quality", "severity": 2, "department": "RD",
           "resolution": "fixed in firmware 3.2"}


@pytest.fixture
def people(make_user):
    return {
        "support": make_user("support", "CS"), "cs_member": make_user("author", "CS"),
        "head_resp": make_user("dept_head", "RD"), "member_resp": make_user("author", "RD"),
        "other_member": make_user("author", "PROD"), "qc": make_user("qc", "QC"),
        "head_other": make_user("dept_head", "MKT"), "admin": make_user("admin", "DA"),
    }


def new_issue(people, state):
    from app.auth.service import department_by_code

    issue = Issue(title="X200 過熱", reported_by=people["member_resp"], state=state, source="internal",
                  department_id=department_by_code("RD").id if state != "reported" else None)
    db.session.add(issue)
    db.session.commit()
    return issue


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("state, action", list(itertools.product(STATES, ACTIONS)))
def test_every_cell(api_as, people, state, action):
    apis = {name: api_as(user) for name, user in people.items()}
    for actor in ACTORS:
        issue = new_issue(people, state)
        before = events()
        response = apis[actor].post(f"/issues/{issue.id}/actions", json={"action": action, **PAYLOAD})
        db.session.refresh(issue)
        expected = ALLOWED.get((state, action, actor))
        if expected:
            assert response.status_code == 200, (actor, response.json)
            assert issue.state == expected
            assert events() == before + 1
        else:
            assert response.status_code == (403 if (state, action) in STATE_ALLOWS else 409), (actor, response.json)
            assert issue.state == state and events() == before
