"""Walk the whole (state, action, role) table through the API.

The expected outcome of every cell is written out here, independently of
app/approval/states.py: allowed cells move the version; cells whose action
the state allows but the actor may not take answer 403; the rest 409.
Refusals leave the version, the audit trail and the signatures unchanged.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from app.approval.models import Signature
from app.audit import AuditEvent
from app.documents.policy import can_view_version
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD as PW

STATES = ["draft", "in_review", "pending_approval", "effective", "rejected", "withdrawn", "obsolete"]
ACTIONS = ["submit", "approve", "reject", "withdraw"]
ACTORS = ["author", "head_same", "head_other", "leader", "qc", "admin"]

# (state, action, actor) -> resulting state, for a document that is not important.
ALLOWED = {
    ("draft", "submit", "author"): "in_review",
    ("withdrawn", "submit", "author"): "in_review",
    ("in_review", "approve", "head_same"): "effective",
    ("in_review", "reject", "head_same"): "rejected",
    ("in_review", "withdraw", "author"): "withdrawn",
    ("pending_approval", "approve", "leader"): "effective",
    ("pending_approval", "reject", "leader"): "rejected",
    ("pending_approval", "withdraw", "author"): "withdrawn",
}
STATE_ALLOWS = {(state, action) for state, action, _ in ALLOWED}


@pytest.fixture
def people(make_user):
    return {
        "author": make_user("author", "RD"),
        "head_same": make_user("dept_head", "RD"),
        "head_other": make_user("dept_head", "QC"),
        "leader": make_user("leader", "MGMT"),
        "qc": make_user("qc", "QC"),
        "admin": make_user("admin", "DA"),
    }


def counts():
    return (db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(Signature)))


@pytest.mark.parametrize("state, action", list(itertools.product(STATES, ACTIONS)))
def test_every_cell_of_the_table(api_as, people, make_document, state, action):
    apis = {name: api_as(user) for name, user in people.items()}
    for actor in ACTORS:
        document = make_document(people["author"], important=(state == "pending_approval"))
        version = document.versions[0]
        version.state = state
        db.session.commit()
        before = counts()
        response = apis[actor].post(f"/documents/{document.id}/versions/1/actions",
                                    json={"action": action, "comment": "because", "password": PW})
        db.session.refresh(version)
        expected = ALLOWED.get((state, action, actor))
        if expected:
            assert response.status_code == 200, (actor, response.json)
            assert response.json["state"] == expected and version.state == expected
        else:
            # A version the actor may not see does not exist for them (app.documents.policy).
            if not can_view_version(people[actor], version):
                wanted = 404
            else:
                wanted = 403 if (state, action) in STATE_ALLOWS else 409
            assert response.status_code == wanted, (actor, response.json)
            assert response.json["error"]["message"]
            assert version.state == state
            assert counts() == before


def test_important_documents_need_the_leader_after_the_head(api_as, people, make_document):
    document = make_document(people["author"], important=True)
    api_as(people["author"]).post(f"/documents/{document.id}/versions/1/actions", json={"action": "submit"})
    head = api_as(people["head_same"]).post(f"/documents/{document.id}/versions/1/actions",
                                            json={"action": "approve", "password": PW})
    assert head.json["state"] == "pending_approval"
    assert head.json["signatures"][0]["meaning"] == "reviewed"
    leader = api_as(people["leader"]).post(f"/documents/{document.id}/versions/1/actions",
                                           json={"action": "approve", "password": PW})
    assert leader.json["state"] == "effective"
    assert [(s["role"], s["meaning"]) for s in leader.json["signatures"]] == [
        ("dept_head", "reviewed"), ("leader", "approved")]


def test_reject_needs_a_comment(api_as, people, make_document):
    document = make_document(people["author"])
    document.versions[0].state = "in_review"
    db.session.commit()
    response = api_as(people["head_same"]).post(f"/documents/{document.id}/versions/1/actions",
                                                json={"action": "reject", "password": PW, "comment": "  "})
    assert response.status_code == 400
    assert "comment" in response.json["error"]["message"]
    db.session.refresh(document.versions[0])
    assert document.versions[0].state == "in_review"


def test_head_who_wrote_the_version_cannot_approve_it(api_as, make_user, make_document):
    head = make_user(["dept_head", "author"], "RD")
    document = make_document(head)
    api = api_as(head)
    api.post(f"/documents/{document.id}/versions/1/actions", json={"action": "submit"})
    response = api.post(f"/documents/{document.id}/versions/1/actions", json={"action": "approve", "password": PW})
    assert response.status_code == 403


def test_unknown_action_is_400(api_as, people, make_document):
    document = make_document(people["author"])
    response = api_as(people["author"]).post(f"/documents/{document.id}/versions/1/actions",
                                             json={"action": "publish"})
    assert response.status_code == 400
    assert "action" in response.json["error"]["message"]
